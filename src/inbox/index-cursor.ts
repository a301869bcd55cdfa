import { AppError } from '../lib/errors.js';

/** Where a page of the index ends: segment (All = open then resolved) and last member; or a search offset. */
export interface IndexCursor {
  s?: number;
  m?: string;
  o?: number;
}

export const encodeCursor = (cursor: IndexCursor) =>
  Buffer.from(JSON.stringify(cursor)).toString('base64url');

export function decodeCursor(raw?: string): IndexCursor {
  if (!raw) return {};
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString()) as IndexCursor;
    if (typeof value !== 'object' || value === null) throw new Error('not an object');
    return value;
  } catch {
    throw new AppError('bad_request', 'cursor: is not a cursor this list gave out.');
  }
}
