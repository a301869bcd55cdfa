import type { Queues } from './queues.js';

/**
 * Every recurring job. upsertJobScheduler is idempotent, so every worker process may call this at start
 * and deploys never duplicate a schedule.
 */
export async function upsertSchedules(
  queues: Queues,
  options: { purgeEveryMs?: number } = {},
): Promise<void> {
  await queues
    .get('maintenance')
    .upsertJobScheduler(
      'maintenance-purge',
      { every: options.purgeEveryMs ?? 15 * 60_000 },
      { name: 'purge', data: {} },
    );
  // Every worker's start asks for it; the fixed id keeps it to one run while the finished job is kept, and
  // a later run changes nothing that is right.
  await queues.enqueue('maintenance', 'pointThreads', {}, { jobId: 'thread-pointers-v1' });
}
