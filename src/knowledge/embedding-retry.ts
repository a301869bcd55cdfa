import type { Redis } from 'ioredis';
import { Queues } from '../jobs/queues.js';
import type { Logger } from '../lib/logger.js';

/** Tries of the `knowledge.embed` job before a version's missing vectors are reported as given up. */
export const EMBED_ATTEMPTS = 12;
/** First pause of its exponential backoff (10 s, 20 s, 40 s … about 5.7 hours over all tries). */
export const EMBED_BACKOFF_MS = 10_000;

/** The job id of a version's vector fill: one per source version, no ':'. */
export const embedJobId = (tenantId: string, sourceId: string, version: number) =>
  `kb-embed-${tenantId}-${sourceId}-v${version}`;

// One producer per connection (the job, the web process and the writer may each hold one).
const producers = new WeakMap<Redis, Queues>();

/**
 * Queues the fill of a version's missing vectors, `delayMs` from now (0 when it was stored to be
 * embedded later; the first backoff step after a failed embedding). The same version is queued once.
 * Never throws: without Redis the vectors stay missing and the Knowledge page says so.
 */
export async function scheduleEmbedding(
  publish: { redis?: Redis; prefix: string; logger?: Logger },
  target: { tenantId: string; sourceId: string; version: number },
  delayMs: number,
): Promise<void> {
  if (!publish.redis) {
    publish.logger?.warn(target, 'no Redis to queue the vector fill; the chunks stay lexical');
    return;
  }
  let queues = producers.get(publish.redis);
  if (!queues) {
    queues = new Queues(publish.redis, publish.prefix);
    producers.set(publish.redis, queues);
  }
  try {
    await queues.enqueue('knowledge', 'embed', target, {
      jobId: embedJobId(target.tenantId, target.sourceId, target.version),
      delay: delayMs,
      attempts: EMBED_ATTEMPTS,
      backoff: { type: 'exponential', delay: EMBED_BACKOFF_MS },
      // Behind every upload's ingestion (BullMQ runs jobs without a priority first): a backlog of fills
      // waiting for a busy embedding server never holds new uploads back.
      priority: 10,
    });
  } catch (error) {
    publish.logger?.warn({ err: error, ...target }, 'could not queue the vector fill');
  }
}
