/**
 * Rebuild the admin inbox's list index (Redis) from MongoDB.
 *
 *   npm run inbox -- reindex [--tenant ID]     (every tenant when no --tenant is given)
 *
 * Web processes also rebuild a missing index by themselves (at start, and on the first list of a tenant);
 * this is for "Redis was restored from an old snapshot" or "team routing changed by hand". While a
 * tenant is rebuilt its lists are briefly incomplete.
 */

import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { runCli } from '../app/cli.js';
import { loadConfig } from '../config/env.js';
import { AppError } from '../lib/errors.js';
import { createRedis } from '../redis/connection.js';
import { storedTeams } from '../storage/inbox/create-inbox.js';
import { RedisInboxIndex } from '../storage/inbox/redis-inbox-index.js';
import { TenantModel } from '../tenants/tenant.model.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { tenant: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
});
if (values.help || positionals[0] !== 'reindex') {
  console.log('usage: npm run inbox -- reindex [--tenant ID]');
  process.exit(values.help ? 0 : 2);
}

await runCli(async ({ logger, redisUrl }) => {
  if (!redisUrl)
    throw new AppError('bad_request', 'Set REDIS_URL, or start the product with `npm start` first.');
  if (values.tenant && !Types.ObjectId.isValid(values.tenant))
    throw new AppError('bad_request', `no tenant with id ${values.tenant}`);
  const redis = createRedis(redisUrl, 'subscriber', logger);
  try {
    const index = new RedisInboxIndex({
      redis,
      prefix: loadConfig().REDIS_PREFIX,
      teams: storedTeams(),
      logger,
    });
    const tenants = values.tenant
      ? [values.tenant]
      : (await TenantModel.find({}, { _id: 1 }).lean()).map((t) => String(t._id));
    for (const tenantId of tenants) {
      const started = Date.now();
      await index.rebuild(tenantId);
      console.log(
        `inbox index of tenant ${tenantId} rebuilt in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
});
