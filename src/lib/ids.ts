import { createHash } from 'node:crypto';
import { Types } from 'mongoose';

/**
 * A stable ObjectId derived from natural-key parts (e.g. tenant, issuer, LTI subject). Lookups by `_id`
 * are the ones FerretDB's SQLite backend answers from an index (others scan the collection), so records
 * found by a natural key on hot paths get an `_id` computed from that key.
 */
export function stableObjectId(...parts: string[]): Types.ObjectId {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return new Types.ObjectId(digest.subarray(0, 12).toString('hex'));
}
