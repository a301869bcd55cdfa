import { findInTenant } from '../../db/by-id.js';
import { objectId } from '../../events/ids.js';
import type { CannedInput, CannedView } from '../../inbox/canned-replies.js';
import type { CannedReplyStore } from '../../inbox/canned-reply-store.js';
import { type CannedReply, CannedReplyModel } from '../../inbox/inbox.models.js';

const toView = (row: CannedReply): CannedView => ({ id: String(row._id), title: row.title, text: row.text });

/** Canned replies in MongoDB; one reply is read by `_id` (tenant checked in code) and written by `_id`. */
export class MongoCannedReplyStore implements CannedReplyStore {
  async list(tenantId: string): Promise<CannedView[]> {
    const rows = await CannedReplyModel.find({ tenantId: objectId(tenantId, 'Tenant') })
      .limit(500)
      .lean<CannedReply[]>();
    return rows.map(toView);
  }

  async find(tenantId: string, id: string): Promise<CannedView | null> {
    const row = await findInTenant(CannedReplyModel, id, tenantId);
    return row ? toView(row) : null;
  }

  async create(tenantId: string, input: CannedInput): Promise<CannedView> {
    const row = await CannedReplyModel.create({ tenantId: objectId(tenantId, 'Tenant'), ...input });
    return toView(row);
  }

  async update(tenantId: string, id: string, input: CannedInput): Promise<boolean> {
    const row = await findInTenant(CannedReplyModel, id, tenantId, { _id: 1 });
    if (!row) return false;
    return (await CannedReplyModel.updateOne({ _id: row._id }, { $set: input })).matchedCount === 1;
  }

  async remove(tenantId: string, id: string): Promise<boolean> {
    const row = await findInTenant(CannedReplyModel, id, tenantId, { _id: 1 });
    if (!row) return false;
    return (await CannedReplyModel.deleteOne({ _id: row._id })).deletedCount === 1;
  }
}
