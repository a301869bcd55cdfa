import { type Model, Types } from 'mongoose';

/**
 * A tenant's document by id. FerretDB answers a filter from its index only when the filter is `_id`
 * alone (adding `tenantId` makes it scan the collection), so the document is read by `_id` and its tenant
 * checked here; another tenant's document is simply not found.
 */
export async function findInTenant<T extends { tenantId: Types.ObjectId | string }>(
  model: Model<T>,
  id: string | Types.ObjectId,
  tenantId: string | Types.ObjectId,
  projection?: Record<string, 0 | 1>,
): Promise<T | null> {
  const doc = await readById(model, id, projection);
  return doc && sameTenant(doc, tenantId) ? doc : null;
}

/** What {@link findKeyedInTenant} returns when another tenant's document holds the id. */
export const TAKEN = Symbol('held by another tenant');

/**
 * For a write under an id that keys a tenant's record (a thread's lead, a thread's kept reply): the
 * tenant's document, null when the id is free, or {@link TAKEN} when another tenant's document holds it,
 * so the caller writes nothing there. Read by `_id` like {@link findInTenant}.
 */
export async function findKeyedInTenant<T extends { tenantId: Types.ObjectId | string }>(
  model: Model<T>,
  id: string | Types.ObjectId,
  tenantId: string | Types.ObjectId,
  projection?: Record<string, 0 | 1>,
): Promise<T | null | typeof TAKEN> {
  const doc = await readById(model, id, projection);
  if (!doc) return null;
  return sameTenant(doc, tenantId) ? doc : TAKEN;
}

async function readById<T extends { tenantId: Types.ObjectId | string }>(
  model: Model<T>,
  id: string | Types.ObjectId,
  projection?: Record<string, 0 | 1>,
): Promise<T | null> {
  // Ids come from requests and jobs: one that cannot be an ObjectId is not found rather than a cast error.
  // Models keyed by a string (derived keys such as `<tenant>-<month>`) take any string.
  if (typeof id === 'string' && !validObjectId(id) && model.schema.path('_id')?.instance === 'ObjectId')
    return null;
  return model
    .findById(id, projection ? { ...projection, tenantId: 1 } : undefined)
    .lean<T>()
    .exec();
}

const sameTenant = (doc: { tenantId: Types.ObjectId | string }, tenantId: string | Types.ObjectId) =>
  String(doc.tenantId) === String(tenantId);

/**
 * Several of a tenant's documents by id, side by side (each read by `_id`, see {@link findInTenant}), in
 * the order of `ids`; an id not found or of another tenant gives null in its place.
 */
export function findEachInTenant<T extends { tenantId: Types.ObjectId | string }>(
  model: Model<T>,
  ids: readonly (string | Types.ObjectId)[],
  tenantId: string | Types.ObjectId,
  projection?: Record<string, 0 | 1>,
): Promise<(T | null)[]> {
  return Promise.all(ids.map((id) => findInTenant(model, id, tenantId, projection)));
}

/**
 * Deletes a tenant's document by id and returns it (null when it is not the tenant's or is gone): read by
 * `_id` with the tenant checked in code, then deleted by `_id` alone, so neither step scans.
 */
export async function deleteInTenant<T extends { tenantId: Types.ObjectId | string }>(
  model: Model<T>,
  id: string | Types.ObjectId,
  tenantId: string | Types.ObjectId,
): Promise<T | null> {
  const doc = await findInTenant(model, id, tenantId, { _id: 1 });
  if (!doc) return null;
  return model
    .findByIdAndDelete((doc as { _id?: unknown })._id)
    .lean<T>()
    .exec();
}

const validObjectId = (id: string) => id.length === 24 && Types.ObjectId.isValid(id);
