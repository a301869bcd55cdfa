/**
 * Adds `value` to the set kept under `key` (making the set on first use) and returns the function that
 * takes it out again: listeners are registered and dropped this way by the bus, the transient channel
 * and presence. An emptied set is dropped with its last member, so keys of gone listeners do not pile up.
 */
export function addKeyed<K, V>(map: Map<K, Set<V>>, key: K, value: V): () => void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  const members = set;
  members.add(value);
  return () => {
    members.delete(value);
    if (members.size === 0 && map.get(key) === members) map.delete(key);
  };
}
