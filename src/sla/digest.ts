import type { InboxIndex } from '../inbox/inbox-index.js';
import type { InboxView, IndexDoc } from '../inbox/index-doc.js';
import type { Logger } from '../lib/logger.js';
import type { DigestRow, NotificationRequest } from '../notify/notify.types.js';
import { TenantModel } from '../tenants/tenant.model.js';
import type { DigestMarks } from './digest-marks.js';
import type { TenantSlaProvider } from './sla-plan.js';

/** Most threads one digest lists (the most pressing first); the inbox has the rest. */
const DIGEST_MAX_ROWS = 50;

/** What became of one tenant's digest on a run. */
export type DigestOutcome =
  | 'disabled'
  /** The calendar is closed now: nothing is sent while nobody is in. */
  | 'closed'
  /** Fewer than the rhythm's business minutes since the last one. */
  | 'not_due'
  /** Due, but no thread to report: nothing sent, and the slot counts as done. */
  | 'empty'
  | 'sent';

export interface DigestDeps {
  marks: DigestMarks;
  index: Pick<InboxIndex, 'ensureBuilt' | 'page' | 'docs'>;
  tenantSla: TenantSlaProvider;
  /** Asks for the digest's deliveries (idempotent on `key`: see requestNotifications). */
  request: (request: NotificationRequest) => Promise<unknown>;
  now?: () => Date;
  logger?: Logger;
}

/**
 * The threads a digest reports, most pressing first: breached, then at risk, then unattended (waiting,
 * nobody has taken them), each once, from the inbox index (no database read).
 */
async function digestRows(index: DigestDeps['index'], tenantId: string): Promise<DigestRow[]> {
  await index.ensureBuilt(tenantId);
  const views: InboxView[] = ['breached', 'at_risk', 'unassigned'];
  const pages = await Promise.all(
    views.map((view) => index.page(tenantId, { view, userId: '', filters: {}, limit: DIGEST_MAX_ROWS })),
  );
  const ids = [...new Set(pages.flatMap((page) => page.ids))].slice(0, DIGEST_MAX_ROWS);
  const docs = await index.docs(tenantId, ids);
  const rows: DigestRow[] = [];
  for (const id of ids) {
    const doc = docs.get(id);
    if (doc) rows.push(rowOf(id, doc));
  }
  return rows;
}

function rowOf(conversationId: string, doc: IndexDoc): DigestRow {
  const state = doc.ss === 'at_risk' || doc.ss === 'breached' ? doc.ss : 'unattended';
  const due = doc.sd ?? doc.rb;
  return {
    conversationId,
    ...(doc.n ? { learner: doc.n } : {}),
    ...(doc.ct ? { course: doc.ct } : {}),
    ...(doc.rs?.length ? { reason: doc.rs.map((code) => code.replace(/_/g, ' ')).join(', ') } : {}),
    state,
    ...(due !== undefined ? { dueAt: new Date(due).toISOString() } : {}),
  };
}

/**
 * One tenant's review digest, if one is due: the digest is enabled, the calendar is open now, and the
 * rhythm's business minutes have passed since the last one (or none was ever sent). The request's key
 * names the tenant and the slot (the instant the digest became due, derived from the last one), so two
 * workers, or a retried job, ask for the same deliveries and the notifier stores them once; "last sent"
 * then moves by compare-and-set, so only one of them advances it.
 */
export async function sendDigestIfDue(
  deps: DigestDeps,
  tenantId: string,
): Promise<{ outcome: DigestOutcome; rows?: DigestRow[] }> {
  const now = deps.now?.() ?? new Date();
  const sla = await deps.tenantSla(tenantId);
  if (!sla.digest.enabled) return { outcome: 'disabled' };
  if (!sla.calendar.isOpen(now)) return { outcome: 'closed' };
  const last = await deps.marks.lastSent(tenantId);
  let slot = 'first';
  if (last) {
    const dueAt = sla.calendar.addBusinessMinutes(new Date(Number(last)), sla.digest.everyBusinessMinutes);
    if (now < dueAt) return { outcome: 'not_due' };
    slot = String(dueAt.getTime());
  }
  const rows = await digestRows(deps.index, tenantId);
  if (rows.length)
    await deps.request({ tenantId, kind: 'digest', key: `digest-${tenantId}-${slot}`, details: { rows } });
  await deps.marks.advance(tenantId, last, String(now.getTime()));
  return rows.length ? { outcome: 'sent', rows } : { outcome: 'empty' };
}

/**
 * Every tenant's digest that is due (or the one tenant of the job). Tenants are read by id only; each
 * tenant's SLA is cached, and the rows come from the inbox index in Redis. A failing tenant does not stop
 * the others; the job then fails and is retried, and tenants already done are simply not due.
 */
export async function sendDueDigests(
  deps: DigestDeps,
  tenantIds?: readonly string[],
): Promise<Record<string, DigestOutcome>> {
  const ids = tenantIds ?? (await TenantModel.find({}, { _id: 1 }).lean()).map((t) => String(t._id));
  const outcomes: Record<string, DigestOutcome> = {};
  let failure: unknown;
  for (const tenantId of ids) {
    try {
      outcomes[tenantId] = (await sendDigestIfDue(deps, tenantId)).outcome;
    } catch (error) {
      deps.logger?.warn({ err: error, tenantId }, 'review digest failed');
      failure ??= error;
    }
  }
  if (failure) throw failure;
  return outcomes;
}
