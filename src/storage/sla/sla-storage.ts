import type { JobServices } from '../../jobs/job-services.js';
import type { ClockStore } from '../../sla/clock-store.js';
import type { TimerSets } from '../../sla/timer-sets.js';
import { MongoClockStore } from './mongo-clock-store.js';
import { RedisTimerSets } from './redis-timer-sets.js';

/** The SLA engine's storage as the product runs it: clocks in MongoDB, their locks and timer sets in Redis. */
export function slaStorage(services: Pick<JobServices, 'redis' | 'config'>): {
  store: ClockStore;
  timers: TimerSets;
} {
  const prefix = services.config.REDIS_PREFIX;
  return {
    store: new MongoClockStore(services.redis, prefix),
    timers: new RedisTimerSets(services.redis, prefix),
  };
}
