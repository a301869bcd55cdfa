import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import mongoose, { Schema } from 'mongoose';

interface KeyDocument {
  _id: string;
  kid: string;
  alg: 'RS256';
  privateJwk: JWK;
  publicJwk: JWK;
  /** Signs the opaque hints and deep-linking data this platform hands out and must recognise later. */
  hmacSecret: string;
  createdAt: Date;
}

const keySchema = new Schema<KeyDocument>(
  {
    _id: { type: String, required: true },
    kid: { type: String, required: true },
    alg: { type: String, required: true },
    privateJwk: { type: Schema.Types.Mixed, required: true },
    publicJwk: { type: Schema.Types.Mixed, required: true },
    hmacSecret: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'devlms_keys', versionKey: false },
);

// Re-registering a model throws when a watcher re-imports the module.
const KeyModel =
  (mongoose.models.DevLmsKey as mongoose.Model<KeyDocument> | undefined) ??
  mongoose.model<KeyDocument>('DevLmsKey', keySchema);

const KEY_ID = 'platform-signing-key';

export interface PlatformKeys {
  kid: string;
  alg: 'RS256';
  privateKey: CryptoKey;
  /** For checking the access tokens this platform issues. */
  publicKey: CryptoKey;
  publicJwk: JWK;
  hmacSecret: Buffer;
}

let cached: Promise<PlatformKeys> | undefined;

/**
 * The platform's RSA key pair and HMAC secret, created once in MongoDB and shared by every process.
 * Cached after the first load; a failed load is retried on the next call.
 */
export function platformKeys(): Promise<PlatformKeys> {
  cached ??= loadPlatformKeysUncached().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/** Forgets the cached key, for tests that drop the database under a running router. */
export function forgetPlatformKeys(): void {
  cached = undefined;
}

/** Reads the stored key, creating it if there is none; bypasses the cache (tests race several of these). */
export async function loadPlatformKeysUncached(): Promise<PlatformKeys> {
  const existing = await KeyModel.findById(KEY_ID).lean();
  const document = existing ?? (await insertOnce());
  return {
    kid: document.kid,
    alg: 'RS256',
    privateKey: (await importJWK(document.privateJwk, 'RS256')) as CryptoKey,
    publicKey: (await importJWK(document.publicJwk, 'RS256')) as CryptoKey,
    publicJwk: document.publicJwk,
    hmacSecret: Buffer.from(document.hmacSecret, 'base64url'),
  };
}

async function insertOnce(): Promise<KeyDocument> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', {
    modulusLength: 2048,
    extractable: true,
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const candidate: Omit<KeyDocument, '_id'> = {
    kid,
    alg: 'RS256',
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256' },
    publicJwk: { ...publicJwk, kid, alg: 'RS256', use: 'sig' },
    hmacSecret: randomBytes(32).toString('base64url'),
    createdAt: new Date(),
  };
  // $setOnInsert: when two processes start together, both read back whichever key was written first.
  try {
    const stored = await KeyModel.findOneAndUpdate(
      { _id: KEY_ID },
      { $setOnInsert: candidate },
      { upsert: true, returnDocument: 'after', lean: true },
    );
    if (stored) return stored;
  } catch (error) {
    // Two simultaneous upserts can race to insert the same _id; the loser reads the winner's key.
    if ((error as { code?: number }).code !== 11000) throw error;
  }
  const winner = await KeyModel.findById(KEY_ID).lean();
  if (!winner) throw new Error('development LMS key could not be stored');
  return winner;
}

/**
 * An opaque, tamper-proof value: base64url(JSON payload) + '.' + HMAC. Used for login_hint,
 * lti_message_hint and deep-linking `data`, so the platform needs no server-side session for them.
 */
export function sealValue(payload: Record<string, unknown>, secret: Buffer, ttlSeconds: number): string {
  const body = Buffer.from(
    JSON.stringify({ ...payload, exp: Math.floor(Date.now() / 1000) + ttlSeconds }),
  ).toString('base64url');
  return `${body}.${mac(body, secret)}`;
}

/** The payload of a value from `sealValue`, or undefined when it was altered, forged or has expired. */
export function openValue(value: unknown, secret: Buffer): Record<string, unknown> | undefined {
  if (typeof value !== 'string') return undefined;
  const [body, signature, extra] = value.split('.');
  if (!body || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(mac(body, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof payload.exp !== 'number' || payload.exp < Date.now() / 1000) return undefined;
    return payload;
  } catch {
    return undefined;
  }
}

function mac(body: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}
