import type { AnyDomainEvent } from '../events/catalog.js';
import type { EventBus } from '../events/event-bus.js';
import { insightsListener } from '../insights/dashboard.jobs.js';
import { gapAnswerListener } from '../insights/gap.jobs.js';
import { topicListener } from '../insights/topic.jobs.js';
import { labelledMissListener } from '../knowledge/labelled-miss.jobs.js';
import type { Logger } from '../lib/logger.js';
import { followUpListener } from '../notify/follow-up.listener.js';
import { notifyListener } from '../notify/notify.listener.js';
import { slaListener } from '../sla/sla.listener.js';
import type { Queues } from './queues.js';

/** Turns an event into the jobs it causes (none, usually). Must not throw; jobs carry deterministic ids. */
export type JobListener = (event: AnyDomainEvent, queues: Queues) => Promise<unknown>;

const LISTENERS: readonly { name: string; listener: JobListener }[] = [
  { name: 'sla', listener: slaListener },
  { name: 'notify', listener: notifyListener },
  { name: 'follow-up', listener: followUpListener },
  { name: 'labelled-miss', listener: labelledMissListener },
  { name: 'topics', listener: topicListener },
  { name: 'insights', listener: insightsListener },
  { name: 'gaps', listener: gapAnswerListener },
];

/**
 * Side effects of domain events travel as jobs: every process that emits events registers this once on
 * its bus. A failed enqueue (Redis down) is logged; the SLA sweep repairs clocks it missed.
 */
export function registerJobListeners(bus: EventBus, queues: Queues, logger: Logger): () => void {
  return bus.onEvent((event) => {
    for (const { name, listener } of LISTENERS)
      listener(event, queues).catch((error: unknown) =>
        logger.warn(
          { err: error, listener: name, event: event.name, seq: event.seq },
          'event listener failed',
        ),
      );
  });
}
