import { objectId } from '../../events/ids.js';
import type { AuditView } from '../../inbox/audit-log.js';
import type { AuditStore } from '../../inbox/audit-store.js';
import { type AuditEntry, AuditModel } from '../../inbox/inbox.models.js';

/** The audit log in MongoDB, paged by `_id` (newest first) within the tenant. */
export class MongoAuditStore implements AuditStore {
  async page(
    tenantId: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ entries: AuditView[]; nextCursor?: string }> {
    const filter: Record<string, unknown> = { tenantId: objectId(tenantId, 'Tenant') };
    if (cursor) filter._id = { $lt: objectId(cursor, 'Cursor') };
    const rows = await AuditModel.find(filter)
      .sort({ _id: -1 })
      .limit(limit + 1)
      .lean<AuditEntry[]>();
    const entries = rows.slice(0, limit).map((row) => ({
      at: row.at.toISOString(),
      actor: { userId: row.actor.userId, ...(row.actor.name ? { name: row.actor.name } : {}) },
      action: row.action,
      ...(row.conversationId ? { conversationId: String(row.conversationId) } : {}),
      launchId: row.launchId,
      details: row.details ?? {},
    }));
    const last = rows[limit - 1];
    return rows.length > limit && last ? { entries, nextCursor: String(last._id) } : { entries };
  }
}
