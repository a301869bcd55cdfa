import { expect } from 'chai';
import { addKeyed } from '../../../src/live/keyed-sets.js';

describe('addKeyed: listeners kept per key', () => {
  it('keeps each listener under its key until removed, and drops a key with its last listener', () => {
    const map = new Map<string, Set<string>>();
    const offA = addKeyed(map, 'thread-1', 'a');
    const offB = addKeyed(map, 'thread-1', 'b');
    addKeyed(map, 'thread-2', 'c');
    expect([...(map.get('thread-1') ?? [])]).to.deep.equal(['a', 'b']);
    offA();
    expect([...(map.get('thread-1') ?? [])]).to.deep.equal(['b']);
    offB();
    expect(map.has('thread-1')).to.equal(false);
    expect([...map.keys()]).to.deep.equal(['thread-2']);
  });

  it('a remover called after its set was replaced leaves the new set alone', () => {
    const map = new Map<string, Set<string>>();
    const stale = addKeyed(map, 'thread-1', 'a');
    map.clear();
    addKeyed(map, 'thread-1', 'b');
    stale();
    expect([...(map.get('thread-1') ?? [])]).to.deep.equal(['b']);
  });
});
