import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { type EmbeddedServices, startEmbeddedServices } from '../../src/app/embedded-services.js';
import { testLogger } from './log-capture.js';

export interface TestServices {
  mongoUrl: string;
  redisUrl: string;
  /** Fresh per run: queues and keys of this run never meet another run's. */
  redisPrefix: string;
  database: string;
}

const runId = randomBytes(4).toString('hex');
/** Silent, unless TEST_LOG_LEVEL says otherwise or TEST_LOG_DIR captures every line (see log-capture.ts). */
export const quietLogger = testLogger();

let started: Promise<TestServices> | undefined;
let embedded: EmbeddedServices | undefined;
let dataDir: string | undefined;

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Real FerretDB and Redis for this test run: private instances on free ports, or the servers named by
 * MONGODB_URL / REDIS_URL. Either way a fresh database and Redis prefix, removed by `stopTestServices`.
 */
export function testServices(): Promise<TestServices> {
  started ??= (async () => {
    const database = `chatref_test_${runId}`;
    const redisPrefix = `test-${runId}`;
    const needMongo = !process.env.MONGODB_URL;
    const needRedis = !process.env.REDIS_URL;
    if (needMongo || needRedis) {
      dataDir = mkdtempSync(path.join(tmpdir(), 'chatref-test-'));
      embedded = await startEmbeddedServices({
        dataDir,
        logger: quietLogger,
        mongo: needMongo,
        redis: needRedis,
        database,
      });
    }
    const mongoUrl = withDatabase(process.env.MONGODB_URL ?? embedded!.mongoUrl!, database);
    const redisUrl = process.env.REDIS_URL ?? embedded!.redisUrl!;
    return { mongoUrl, redisUrl, redisPrefix, database };
  })();
  return started;
}

/** Drops this run's database and Redis keys, then stops private servers. */
export async function stopTestServices(): Promise<void> {
  if (!started) return;
  const services = await started;
  const client = new mongoose.mongo.MongoClient(services.mongoUrl, { serverSelectionTimeoutMS: 2000 });
  await client
    .db(services.database)
    .dropDatabase()
    .catch(() => undefined);
  await client.close();
  const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${services.redisPrefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  await embedded?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  started = undefined;
}
