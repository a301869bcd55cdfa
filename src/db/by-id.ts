import { type Model, Types } from 'mongoose';

/**
 * A tenant's document by id. FerretDB answers a filter from its index only when the filter is `_id`
 * alone (adding `tenantId` makes it scan the collection), so the document is read by `_id` and its tenant
 * checked here; another tenant's document is simply not found.
 */
export async function findInTenant<T extends { tenantId: Types.ObjectId }>(
  model: Model<T>,
  id: string | Types.ObjectId,
  tenantId: string | Types.ObjectId,
  projection?: Record<string, 0 | 1>,
): Promise<T | null> {
  if (typeof id === 'string' && (!Types.ObjectId.isValid(id) || id.length !== 24)) return null;
  const doc = await model
    .findById(id, projection ? { ...projection, tenantId: 1 } : undefined)
    .lean<T>()
    .exec();
  return doc && String(doc.tenantId) === String(tenantId) ? doc : null;
}
