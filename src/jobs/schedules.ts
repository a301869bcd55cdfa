import { TOPIC_DEFAULTS } from '../insights/topic-settings.js';
import type { Queues } from './queues.js';

/**
 * Every recurring job. upsertJobScheduler is idempotent, so every worker process may call this at start
 * and deploys never duplicate a schedule.
 */
export async function upsertSchedules(
  queues: Queues,
  options: {
    purgeEveryMs?: number;
    slaSweepEveryMs?: number;
    digestEveryMs?: number;
    topicSweepEveryMs?: number;
    insightsSweepEveryMs?: number;
    retentionEveryMs?: number;
  } = {},
): Promise<void> {
  await queues
    .get('maintenance')
    .upsertJobScheduler(
      'maintenance-purge',
      { every: options.purgeEveryMs ?? 15 * 60_000 },
      { name: 'purge', data: {} },
    );
  // SLA timers whose job went missing (Redis lost it, an enqueue failed) are found and re-added.
  await queues
    .get('sla')
    .upsertJobScheduler(
      'sla-sweep',
      { every: options.slaSweepEveryMs ?? 60_000 },
      { name: 'sweep', data: {} },
    );
  // Review digests: each run sends the digests that are due (rhythm in business time, calendar open).
  await queues
    .get('sla')
    .upsertJobScheduler(
      'sla-digest',
      { every: options.digestEveryMs ?? 5 * 60_000 },
      { name: 'digest', data: {} },
    );
  // Topics: questions left waiting whose re-clustering request was lost get one (see src/insights).
  await queues
    .get('topics')
    .upsertJobScheduler(
      'topics-sweep',
      { every: options.topicSweepEveryMs ?? TOPIC_DEFAULTS.sweepEveryMs },
      { name: 'sweep', data: {} },
    );
  // Insights: a tenant whose projector job was lost (Redis down at the event) is folded within minutes.
  await queues
    .get('insights')
    .upsertJobScheduler(
      'insights-sweep',
      { every: options.insightsSweepEveryMs ?? 5 * 60_000 },
      { name: 'sweep', data: {} },
    );
  // Per-tenant retention: threads past each tenant's retention days go (src/maintenance/conversation-retention.ts).
  await queues
    .get('privacy')
    .upsertJobScheduler(
      'privacy-retention',
      { every: options.retentionEveryMs ?? 60 * 60_000 },
      { name: 'retention', data: {} },
    );
}
