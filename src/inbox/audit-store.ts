import type { AuditView } from './audit-log.js';

/** Reads a tenant's audit log (the writes go through AuditTrail). The MongoDB adapter is in src/storage/inbox. */
export interface AuditStore {
  /** Entries newest first, after `cursor` (an entry id a previous page gave out). */
  page(
    tenantId: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ entries: AuditView[]; nextCursor?: string }>;
}
