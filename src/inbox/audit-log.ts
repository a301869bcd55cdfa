import { objectId } from '../events/ids.js';
import type { Logger } from '../lib/logger.js';
import type { AuditStore } from './audit-store.js';
import { AuditTrail } from './audit-trail.js';
import { newAuditEntry } from './inbox.models.js';
import { requireLead } from './permissions.js';
import type { StaffContext } from './staff-context.js';

/** An audit entry as the API shows it. */
export interface AuditView {
  at: string;
  actor: { userId: string; name?: string };
  action: string;
  conversationId?: string;
  launchId: string;
  details: Record<string, unknown>;
}

/** The inbox's audit log: admin actions recorded behind their answer (see {@link AuditTrail}), read by leads. */
export class AuditLog {
  private readonly trail: AuditTrail;

  constructor(
    private readonly store: AuditStore,
    logger?: Logger,
  ) {
    this.trail = new AuditTrail({ logger });
  }

  /** Records an admin action that happened: who, what, when, from which launch (stored within moments). */
  record(
    ctx: StaffContext,
    action: string,
    conversationId: string | undefined,
    details: Record<string, unknown>,
  ): void {
    const clean = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
    this.trail.record(
      newAuditEntry({
        tenantId: objectId(ctx.tenantId, 'Tenant'),
        at: new Date(),
        actor: { userId: ctx.userId, role: ctx.role, ...(ctx.name ? { name: ctx.name } : {}) },
        action,
        ...(conversationId ? { conversationId: objectId(conversationId, 'Conversation') } : {}),
        launchId: ctx.launchId,
        details: clean,
      }),
    );
  }

  /** A change only leads may make, recorded once it succeeded (`details` from its result). */
  async leadChange<T>(
    ctx: StaffContext,
    action: string,
    work: () => Promise<T>,
    details: (done: T) => Record<string, unknown>,
  ): Promise<T> {
    requireLead(ctx);
    const done = await work();
    this.record(ctx, action, undefined, details(done));
    return done;
  }

  /** Stores the entries still pending (at shutdown). */
  drain(): Promise<void> {
    return this.trail.drain();
  }

  /** The audit log, newest first (leads only). */
  async read(
    ctx: StaffContext,
    cursor?: string,
    limit = 50,
  ): Promise<{ entries: AuditView[]; nextCursor?: string }> {
    requireLead(ctx);
    // This process's entries still on their way are in the answer too (a lead's own last action).
    await this.trail.drain();
    return this.store.page(ctx.tenantId, cursor, limit);
  }
}
