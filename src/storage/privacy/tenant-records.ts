import mongoose, { Types } from 'mongoose';

const db = () => {
  const handle = mongoose.connection.db;
  if (!handle) throw new Error('MongoDB is not connected');
  return handle;
};

/**
 * Collections shared by every tenant with nothing of one tenant in them: ltijs' platform registrations and
 * keys (an LMS may serve several tenants; `npm run lti -- platform remove` removes one), the embedding cache
 * (vectors keyed by a hash of model and text, shared so one text is embedded once), the development LMS,
 * worker selfchecks.
 */
export const SHARED_COLLECTIONS = new Set([
  'platforms',
  'platformStatus',
  'publickey',
  'privatekey',
  'accesstokens',
  'nonces',
  'states',
  'knowledge_embeddings',
  'devlms_keys',
  'devlms_registrations',
  'selfchecks',
]);

/**
 * What a tenant owns in a collection: documents carrying its id as `tenantId` (ObjectId in most
 * collections, a string in the notification ones) or as `_id` (settings and checkpoints kept one per tenant).
 */
export function ownedBy(tenantId: Types.ObjectId): Record<string, unknown> {
  const hex = String(tenantId);
  return { $or: [{ tenantId }, { tenantId: hex }, { _id: tenantId }, { _id: hex }] };
}

/** Every collection of the database, the system ones left out. */
export async function allCollections(): Promise<string[]> {
  const list = await db().listCollections({}, { nameOnly: true }).toArray();
  return list.map((entry) => entry.name).filter((name) => !name.startsWith('system.'));
}

/** How many documents of the tenant each collection holds (collections with none left out). */
export async function countOwned(tenantId: Types.ObjectId): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of await allCollections()) {
    const count = await db()
      .collection(name)
      .countDocuments(ownedBy(tenantId) as never);
    if (count) counts[name] = count;
  }
  return counts;
}

/**
 * Ids whose Redis keys belong to the tenant without naming it (`<prefix>:messages:<conversation>`,
 * `<prefix>:knowledge:upload:<part>`, `<prefix>:notify:sending:<delivery>`), read before the documents go.
 */
export async function ownedKeyIds(tenantId: Types.ObjectId): Promise<string[]> {
  const hex = String(tenantId);
  const ids = async (name: string, filter: Record<string, unknown>) =>
    (
      await db()
        .collection(name)
        .find(filter, { projection: { _id: 1 } })
        .toArray()
    ).map((row) => String(row._id));
  return [
    ...(await ids('conversations', { tenantId })),
    ...(await ids('knowledge_uploads', { tenantId })),
    ...(await ids('notification_deliveries', { tenantId: hex })),
  ];
}

/**
 * Deletes everything the tenant owns in every collection, the tenant's own document last (a run cut short
 * is run again: the tenant is still there to name). ltijs' ID tokens of its deployments go too (they carry
 * names and emails for a day; they name the deployment, not the tenant).
 */
export async function deleteOwned(tenantId: Types.ObjectId): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  const deployments = await db()
    .collection('lti_deployments')
    .find({ tenantId }, { projection: { issuer: 1, clientId: 1, deploymentId: 1 } })
    .toArray();
  for (const deployment of deployments) {
    const result = await db().collection('idtokens').deleteMany({
      iss: deployment.issuer,
      clientId: deployment.clientId,
      deploymentId: deployment.deploymentId,
    });
    removed.idtokens = (removed.idtokens ?? 0) + result.deletedCount;
  }
  // Deployments first: no launch starts new work while the rest goes.
  const names = (await allCollections()).filter((name) => !SHARED_COLLECTIONS.has(name));
  const ordered = [
    'lti_deployments',
    ...names.filter((name) => name !== 'lti_deployments' && name !== 'tenants'),
    'tenants',
  ];
  for (const name of ordered) {
    if (!names.includes(name)) continue;
    const result = await db()
      .collection(name)
      .deleteMany(ownedBy(tenantId) as never);
    if (result.deletedCount) removed[name] = result.deletedCount;
  }
  return removed;
}

export const asTenantId = (id: string): Types.ObjectId | null =>
  Types.ObjectId.isValid(id) && id.length === 24 ? new Types.ObjectId(id) : null;
