import type { CannedInput, CannedView } from './canned-replies.js';

/** Where a tenant's canned replies are kept. The MongoDB adapter is in src/storage/inbox. */
export interface CannedReplyStore {
  /** The tenant's replies (at most 500), in no particular order. */
  list(tenantId: string): Promise<CannedView[]>;
  find(tenantId: string, id: string): Promise<CannedView | null>;
  create(tenantId: string, input: CannedInput): Promise<CannedView>;
  /** False when the tenant has no such reply. */
  update(tenantId: string, id: string, input: CannedInput): Promise<boolean>;
  /** False when the tenant has no such reply. */
  remove(tenantId: string, id: string): Promise<boolean>;
}
