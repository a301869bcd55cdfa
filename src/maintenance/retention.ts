import mongoose from 'mongoose';

/** A collection whose documents are deleted once `field` is older than `maxAgeMs`. */
export interface RetentionRule {
  collection: string;
  field: string;
  maxAgeMs: number;
}

const HOUR = 3600_000;

/**
 * Every retention rule. We purge with a scheduled job instead of TTL indexes because FerretDB 1.x
 * does not expire documents; the same job works on MongoDB 7.
 */
export const RETENTION_RULES: RetentionRule[] = [
  { collection: 'selfchecks', field: 'ranAt', maxAgeMs: 24 * HOUR },
  // Launch records back the audit log; sessions last hours, so half a year is plenty.
  { collection: 'lti_launches', field: 'createdAt', maxAgeMs: 180 * 24 * HOUR },
  // ltijs declares TTL indexes on these, which FerretDB does not honour.
  { collection: 'nonces', field: 'createdAt', maxAgeMs: HOUR },
  { collection: 'states', field: 'createdAt', maxAgeMs: HOUR },
  { collection: 'idtokens', field: 'createdAt', maxAgeMs: 24 * HOUR },
  { collection: 'contexttokens', field: 'createdAt', maxAgeMs: 24 * HOUR },
  { collection: 'accesstokens', field: 'createdAt', maxAgeMs: 2 * HOUR },
  // The inbox audit log (who did what to which thread, from which launch): kept for a year.
  { collection: 'inbox_audit', field: 'at', maxAgeMs: 365 * 24 * HOUR },
];

/** Deletes what every rule says is expired; returns how many documents went per collection. */
export async function purgeExpired(
  now: Date = new Date(),
  rules: RetentionRule[] = RETENTION_RULES,
): Promise<Record<string, number>> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('MongoDB is not connected');
  const removed: Record<string, number> = {};
  for (const rule of rules) {
    const cutoff = new Date(now.getTime() - rule.maxAgeMs);
    const result = await db.collection(rule.collection).deleteMany({ [rule.field]: { $lt: cutoff } });
    removed[rule.collection] = (removed[rule.collection] ?? 0) + result.deletedCount;
  }
  return removed;
}
