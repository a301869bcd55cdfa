import { Types } from 'mongoose';
import { AppError } from '../lib/errors.js';

/**
 * Turns an id from a session or URL into an ObjectId; a malformed id is simply "not found", never a
 * cast error (500) and never a hint about what exists.
 */
export function objectId(id: string, what = 'Record'): Types.ObjectId {
  if (!Types.ObjectId.isValid(id) || String(id).length !== 24)
    throw new AppError('not_found', `${what} was not found.`);
  return new Types.ObjectId(id);
}

/** The hex string of an optional ObjectId. */
export const idString = (id: Types.ObjectId | null | undefined): string | undefined =>
  id ? String(id) : undefined;
