/**
 * Redis key of a copy of one stored upload part, kept briefly so the worker reads it from Redis rather
 * than the database (MongoDB stays the durable copy: a missing key just means reading it from there).
 */
export const uploadCacheKey = (prefix: string, partId: string) => `${prefix}:knowledge:upload:${partId}`;
/** Uploads up to this size are also cached in Redis for the worker, for this long. */
export const UPLOAD_CACHE_MAX_BYTES = 512 * 1024;
export const UPLOAD_CACHE_SECONDS = 3600;
