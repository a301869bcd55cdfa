/**
 * Data rights from the command line: one person's data (find, export, erase), a tenant's retention days,
 * a retention run now, and removing a tenant with everything it owns.
 *
 *   npm run privacy -- find          --tenant ID (--email ADDRESS | --user ID)
 *   npm run privacy -- export        --tenant ID --user ID [--out FILE]     (JSON; standard output without --out)
 *   npm run privacy -- erase         --tenant ID --user ID --yes
 *   npm run privacy -- retention     --tenant ID (--days N | --off)
 *   npm run privacy -- purge         [--tenant ID]                          (run retention now)
 *   npm run privacy -- remove-tenant --tenant ID [--yes]                    (without --yes: what would go)
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { runCli } from '../app/cli.js';
import { loadConfig } from '../config/env.js';
import { Queues } from '../jobs/queues.js';
import { AppError } from '../lib/errors.js';
import { purgeExpiredThreads } from '../maintenance/conversation-retention.js';
import { removeTenant, tenantHoldings } from '../privacy/remove-tenant.js';
import { setRetentionDays } from '../privacy/retention-setting.js';
import { erasePerson, exportPerson, findPeople } from '../privacy/user-data.js';
import { createRedis } from '../redis/connection.js';

const USAGE = `usage:
  npm run privacy -- find          --tenant ID (--email ADDRESS | --user ID)
  npm run privacy -- export        --tenant ID --user ID [--out FILE]
  npm run privacy -- erase         --tenant ID --user ID --yes
  npm run privacy -- retention     --tenant ID (--days N | --off)
  npm run privacy -- purge         [--tenant ID]
  npm run privacy -- remove-tenant --tenant ID [--yes]`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tenant: { type: 'string' },
    user: { type: 'string' },
    email: { type: 'string' },
    out: { type: 'string' },
    days: { type: 'string' },
    off: { type: 'boolean', default: false },
    yes: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const command = positionals[0] ?? '';
const COMMANDS = ['find', 'export', 'erase', 'retention', 'purge', 'remove-tenant'];
if (values.help || !COMMANDS.includes(command)) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}

const required = (value: string | undefined, flag: string): string => {
  if (!value) throw new AppError('bad_request', `${command} needs --${flag}`);
  return value;
};

const json = (value: unknown) => JSON.stringify(value, null, 2);

await runCli(async ({ logger, redisUrl }) => {
  if (!redisUrl)
    throw new AppError('bad_request', 'Set REDIS_URL, or start the product with `npm start` first.');
  const redis: Redis = createRedis(redisUrl, 'subscriber', logger);
  const queues = new Queues(redis, loadConfig().REDIS_PREFIX);
  try {
    if (command === 'find') {
      const tenant = required(values.tenant, 'tenant');
      const lookup = values.user ? { userId: values.user } : { email: required(values.email, 'email') };
      console.log(json(await findPeople(tenant, lookup)));
    } else if (command === 'export') {
      const data = await exportPerson(required(values.tenant, 'tenant'), required(values.user, 'user'));
      if (values.out) {
        await writeFile(values.out, json(data), { mode: 0o600 });
        const n = data.conversations.length;
        console.log(`exported to ${values.out}: ${n} conversation${n === 1 ? '' : 's'}`);
      } else console.log(json(data));
    } else if (command === 'erase') {
      const tenant = required(values.tenant, 'tenant');
      const user = required(values.user, 'user');
      if (!values.yes) throw new AppError('bad_request', 'erase deletes the person for good: add --yes');
      console.log(json(await erasePerson(queues, tenant, user)));
    } else if (command === 'retention') {
      const tenant = required(values.tenant, 'tenant');
      if (!values.off && values.days === undefined)
        throw new AppError('bad_request', 'retention needs --days N or --off');
      const days = values.off ? null : Number(values.days);
      const saved = await setRetentionDays(tenant, days);
      console.log(
        saved === null
          ? 'retention off: threads are kept'
          : `threads are deleted ${saved} days after their last activity`,
      );
    } else if (command === 'purge') {
      const run = await purgeExpiredThreads(queues, { tenantId: values.tenant, logger });
      console.log(json(run));
    } else {
      const tenant = required(values.tenant, 'tenant');
      const before = await tenantHoldings(queues, tenant);
      if (!values.yes) {
        console.log(json(before));
        console.log(
          `tenant ${tenant} (${before.name ?? 'no tenant document'}): add --yes to remove all of the above`,
        );
        return;
      }
      const report = await removeTenant(queues, tenant);
      const after = await tenantHoldings(queues, tenant);
      console.log(json({ removed: report, left: after }));
    }
  } finally {
    await queues.close();
    await redis.quit().catch(() => redis.disconnect());
  }
});
