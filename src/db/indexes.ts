import mongoose from 'mongoose';
import type { Logger } from '../lib/logger.js';

/** What index building needs of a registered model, whatever its document type. */
type AnyModel = Pick<mongoose.Model<unknown>, 'schema' | 'collection' | 'modelName'>;
type IndexSpec = ReturnType<mongoose.Schema['indexes']>[number];

/**
 * Whether the server answers queries from secondary indexes. FerretDB 1.x on SQLite does not: it hands
 * SQLite only a filter of exactly `{ _id }` and reads everything else by scanning, so a secondary index
 * there only costs every write (measured on a conversation update: 3.1 ms with the six lookup indexes,
 * 2.4 ms without). Its unique indexes still guard against duplicates, so those are always built.
 */
export function readsUseSecondaryIndexes(buildInfo: Record<string, unknown>): boolean {
  const ferretdb = buildInfo.ferretdbVersion;
  if (typeof ferretdb !== 'string') return true;
  // FerretDB 2 runs on PostgreSQL with DocumentDB, which does use indexes.
  return /^v?([2-9]|\d{2,})\./.test(ferretdb);
}

/** The indexes a model's schema declares that this server should have. */
export function indexesToBuild(specs: readonly IndexSpec[], secondary: boolean): IndexSpec[] {
  return specs.filter(([, options]) => secondary || options?.unique === true);
}

const keyOf = (fields: Record<string, unknown>) => JSON.stringify(Object.entries(fields));

/**
 * Builds every registered model's declared indexes, and those of models registered later (mongoose's
 * autoIndex is off, so this is the one place they are made). Where reads cannot use secondary indexes,
 * the non-unique ones are left out and any left from an earlier start are dropped.
 */
export async function buildDeclaredIndexes(logger: Logger): Promise<void> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('buildDeclaredIndexes needs an open connection');
  const secondary = readsUseSecondaryIndexes(await db.admin().command({ buildInfo: 1 }));
  if (!listening) {
    listening = true;
    mongoose.connection.on('model', (model: AnyModel) => {
      buildModelIndexes(model, secondary).catch((error) =>
        logger.error({ err: error, model: model.modelName }, 'could not build indexes'),
      );
    });
  }
  for (const name of mongoose.modelNames()) await buildModelIndexes(mongoose.model(name), secondary);
  logger.debug({ models: mongoose.modelNames().length, secondary }, 'database indexes in place');
}

let listening = false;

async function buildModelIndexes(model: AnyModel, secondary: boolean): Promise<void> {
  const declared = model.schema.indexes();
  const wanted = indexesToBuild(declared, secondary);
  for (const [fields, options] of wanted)
    await model.collection.createIndex(fields as mongoose.mongo.IndexSpecification, {
      ...(options as mongoose.mongo.CreateIndexesOptions),
      background: true,
    });
  if (secondary) return;
  const unwanted = new Set(declared.filter((spec) => !wanted.includes(spec)).map(([f]) => keyOf(f)));
  if (!unwanted.size) return;
  const existing = await model.collection.indexes().catch(() => []); // no collection yet: none
  for (const index of existing)
    if (index.name && unwanted.has(keyOf(index.key)))
      await model.collection.dropIndex(index.name).catch(() => undefined);
}
