import type { LiveBus } from './live-bus.js';

/** Which of a tenant's cached settings changed: its SLA settings, or its handoff settings and keyword rules. */
export type SettingsChange =
  | {
      tenantId: string;
      kind: 'sla';
      /** The version just saved. */
      version: number;
    }
  | { tenantId: string; kind: 'handoff' };

const KINDS: ReadonlySet<string> = new Set<SettingsChange['kind']>(['sla', 'handoff']);

/**
 * Tells every process that a tenant's settings changed. Why: each process caches a tenant's settings for
 * a few seconds, and with several web and worker processes the one that saved is not the one that next
 * hands a thread off or starts its clock; without this, a save would take up to the cache's lifetime to
 * reach them, and a learner could be promised one target while the clock ran to another.
 */
export function publishSettingsChange(
  bus: Pick<LiveBus, 'channel' | 'publish'>,
  change: SettingsChange,
): Promise<void> {
  return bus.publish(bus.channel('settings', change.tenantId), JSON.stringify(change));
}

/** Calls `listener` for every settings change any process publishes; returns the function that stops it. */
export function onSettingsChange(
  bus: Pick<LiveBus, 'subscribe'>,
  listener: (change: SettingsChange) => void,
): () => void {
  return bus.subscribe('settings', (raw) => {
    const change = JSON.parse(raw) as Partial<SettingsChange>;
    if (typeof change.tenantId === 'string' && KINDS.has(String(change.kind)))
      listener(change as SettingsChange);
  });
}
