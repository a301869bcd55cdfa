import { knowledgeChannel } from '../knowledge/knowledge-context.js';

/**
 * What travels between processes, one topic per kind of message:
 * - `events`: stored domain events (the live hub puts them in order and delivers them to SSE clients);
 * - `transient`: signals never stored (streamed answer tokens, typing);
 * - `presence`: who is viewing and typing in a thread;
 * - `knowledge`: a tenant's knowledge changed (each web process updates its in-memory index);
 * - `settings`: a tenant's cached settings changed (every process, workers too, drops its copy).
 */
export type LiveTopic = 'events' | 'transient' | 'presence' | 'knowledge' | 'settings';

/** Receives a message of the topic it listens to, as published (a JSON string). */
export type LiveListener = (payload: string) => void;

/**
 * The one channel of cross-process messages of a process: any process publishes; a web process also
 * listens, on a single Redis connection whatever the number of topics and clients, and hands each
 * message to the in-process listeners of its topic.
 */
export interface LiveBus {
  /** The channel a topic's message for a tenant goes on. */
  channel(topic: LiveTopic, tenantId: string): string;
  /** Publishes one message; never throws (live messages are best effort, the stored state is the truth). */
  publish(channel: string, payload: string): Promise<void>;
  /**
   * Publishes several messages in one write to Redis, in order; resolves with the error of each (null
   * when it went out), so the caller can say which one was lost.
   */
  publishAll(messages: readonly (readonly [channel: string, payload: string])[]): Promise<(Error | null)[]>;
  /** Hears every message of a topic from every process; returns the function that stops listening. */
  subscribe(topic: LiveTopic, listener: LiveListener): () => void;
  /**
   * Called whenever the listening connection is (again) ready: messages published while it was down are
   * lost, so listeners that must not miss any read them from where they are stored.
   */
  onReady(listener: () => void): () => void;
}

/** How each topic's channels are named: per tenant, or (knowledge) one channel for all tenants. */
const NAMES: Record<
  LiveTopic,
  { channel: (prefix: string, tenantId: string) => string; pattern: (prefix: string) => string }
> = {
  events: { channel: (p, t) => `${p}:events:${t}`, pattern: (p) => `${p}:events:*` },
  transient: { channel: (p, t) => `${p}:transient:${t}`, pattern: (p) => `${p}:transient:*` },
  presence: { channel: (p, t) => `${p}:presence:${t}`, pattern: (p) => `${p}:presence:*` },
  // Published by the knowledge workers (knowledge-context.ts); a pattern without wildcards matches itself.
  knowledge: { channel: (p) => knowledgeChannel(p), pattern: (p) => knowledgeChannel(p) },
  settings: { channel: (p, t) => `${p}:settings:${t}`, pattern: (p) => `${p}:settings:*` },
};

export const LIVE_TOPICS = Object.keys(NAMES) as LiveTopic[];

/** The channel a topic's message for a tenant goes on. */
export const liveChannel = (prefix: string, topic: LiveTopic, tenantId: string): string =>
  NAMES[topic].channel(prefix, tenantId);

/** The pattern that hears every channel of a topic. */
export const livePattern = (prefix: string, topic: LiveTopic): string => NAMES[topic].pattern(prefix);
