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
}
