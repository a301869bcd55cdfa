import type { Priority } from '../../src/conversations/conversation.types.js';
import { WeeklyBusinessCalendar } from '../../src/sla/calendar.js';
import type { SlaTargetName } from '../../src/sla/sla.types.js';
import type { ChosenPolicy, EscalationSettings, SlaTarget, TenantSla } from '../../src/sla/sla-plan.js';
import { createConversationDomain } from '../../src/storage/conversations/create-conversation-domain.js';

/** Targets per priority, in minutes of calendar time (fractions allowed: 0.05 = 3 s). */
export type TestTargets = Record<Priority, Partial<Record<SlaTargetName, number>>>;

/**
 * A TenantSla for tests: calendar-clock targets (every minute counts, so a target of a few seconds is a few
 * seconds), chosen by priority alone; the calendar is Mon–Fri 9–17 New York (only for describing times).
 */
export function testTenantSla(
  options: {
    targets?: Partial<TestTargets>;
    warnShare?: number;
    pauseWhileWaitingOnLearner?: boolean;
    escalation?: Partial<EscalationSettings>;
    policyName?: (priority: Priority) => string;
  } = {},
): TenantSla {
  const minutes = (seconds: number) => seconds / 60;
  const defaults: TestTargets = {
    urgent: { first_response: minutes(2), next_response: minutes(2), resolution: minutes(20) },
    high: { first_response: minutes(4), next_response: minutes(4), resolution: minutes(40) },
    normal: { first_response: minutes(6), next_response: minutes(6), resolution: minutes(60) },
    low: { first_response: minutes(8), next_response: minutes(8), resolution: minutes(80) },
  };
  const targets = { ...defaults, ...options.targets };
  const calendar = new WeeklyBusinessCalendar('America/New_York');
  return {
    calendar,
    warnShare: options.warnShare ?? 0.75,
    pauseWhileWaitingOnLearner: options.pauseWhileWaitingOnLearner ?? true,
    escalation: {
      leadsAfterMinutes: 30,
      finalAfterMinutes: 120,
      finalAction: 'raise_priority',
      ...options.escalation,
    },
    digest: { enabled: false, everyBusinessMinutes: 120 },
    choose(match): ChosenPolicy {
      const chosen = targets[match.priority];
      return {
        id: `test-${match.priority}`,
        name: options.policyName?.(match.priority) ?? `Test ${match.priority}`,
        targets: Object.fromEntries(
          Object.entries(chosen).map(([name, value]) => [
            name,
            { minutes: value, clock: 'calendar' } satisfies SlaTarget,
          ]),
        ),
      };
    },
    dueAt(target, start) {
      if (target.clock === 'business') return calendar.addBusinessMinutes(start, target.minutes);
      return new Date(start.getTime() + Math.round(target.minutes * 60_000));
    },
    remainingMinutes(target, now, dueAt) {
      if (target.clock === 'calendar') return Math.max(0, (dueAt.getTime() - now.getTime()) / 60_000);
      throw new Error('test SLA: business remaining time is not modelled');
    },
  } as TenantSla;
}

// ------------------------------------------------------------------ integration harness

import { randomUUID } from 'node:crypto';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { LTI } from '../../src/devlms/constants.js';
import type { AnyDomainEvent } from '../../src/events/catalog.js';
import { createJobServices, type JobServices } from '../../src/jobs/job-services.js';
import { registerJobListeners } from '../../src/jobs/listeners.js';
import { closeWorkers, startWorkers } from '../../src/jobs/workers.js';
import { connectRedis } from '../../src/redis/connection.js';
import { SlaEngine } from '../../src/sla/clock-engine.js';
import type { TenantSlaProvider } from '../../src/sla/sla-plan.js';
import type { TestApp } from './app.js';
import { launchSession, type Person } from './people.js';
import { quietLogger } from './services.js';

const ready = (url: string, purpose: 'producer' | 'worker'): Promise<Redis> =>
  connectRedis(url, purpose, quietLogger);

/** A real LTI launch through the development LMS as a new person of the given role. */
export async function launchPerson(app: TestApp, role: 'learner' | 'admin', given: string): Promise<Person> {
  const session = await launchSession(app, role, (claims) => {
    claims.sub = `sla-${given}-${randomUUID()}`;
    claims.name = `${given} Tester`;
    claims.given_name = given;
    claims.family_name = 'Tester';
    claims.email = `${given.toLowerCase()}@example.edu`;
    claims[`${LTI}context`] = { id: 'SLA-101', label: 'SLA-101', title: 'Course SLA-101' };
  });
  return { ...session, name: `${given} Tester` };
}

/**
 * SLA workers as a worker process runs them (their own Redis connections and conversation domain, job
 * listeners on its bus), consuming only the `sla` queue, with the TenantSla the test chooses. Every event
 * their bus emits is collected.
 */
export interface SlaWorkers {
  engine: SlaEngine;
  services: JobServices;
  events: AnyDomainEvent[];
  stop(): Promise<void>;
}

export async function startSlaWorkers(
  app: TestApp,
  sla: TenantSlaProvider,
  concurrency = 4,
): Promise<SlaWorkers> {
  const prefix = app.config.REDIS_PREFIX;
  const redis = await ready(app.runtime.redisUrl, 'producer');
  const connection = await ready(app.runtime.redisUrl, 'worker');
  const conversations = createConversationDomain({
    redis,
    prefix,
    logger: quietLogger,
    messageMaxChars: app.config.MESSAGE_MAX_CHARS,
  });
  const events: AnyDomainEvent[] = [];
  conversations.bus.onEvent((event) => events.push(event));
  const unregister = registerJobListeners(conversations.bus, app.runtime.queues, quietLogger);
  const services: JobServices = createJobServices({
    config: app.config,
    logger: quietLogger,
    redis,
    queues: app.runtime.queues,
    conversations,
    sla,
  });
  const workers: Worker[] = startWorkers({
    connection,
    prefix,
    concurrency,
    logger: quietLogger,
    queues: ['sla'],
    services,
  });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  return {
    engine: new SlaEngine(services, sla),
    services,
    events,
    async stop() {
      unregister();
      await closeWorkers(workers);
      connection.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
