import { zoneCity } from '../sla/calendar.js';
import type { TenantSlaProvider } from '../sla/sla-plan.js';

/**
 * The zone reply-by and due times are shown in: the tenant's calendar zone, named as people say it
 * ("New York time"), so the list, the thread and the learner's "we'll reply by …" all agree.
 */
export interface InboxZone {
  timeZone: string;
  name: string;
}

/** The zone the tenant's reply-by times are shown in (its calendar's), with the name people read. */
export async function inboxZone(tenantSla: TenantSlaProvider, tenantId: string): Promise<InboxZone> {
  const timeZone = (await tenantSla(tenantId)).calendar.timeZone;
  const utc = timeZone === 'UTC' || timeZone === 'Etc/UTC';
  return { timeZone, name: utc ? 'UTC' : `${zoneCity(timeZone)} time` };
}
