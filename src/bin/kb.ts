/**
 * Manage a tenant's knowledge base from the command line.
 *
 *   npm run kb -- add <file|folder>... [--tenant ID] [--course ID]   (alias: ingest)
 *   npm run kb -- list [--tenant ID]
 *   npm run kb -- remove <sourceId> [--tenant ID]
 *
 * Uses MONGODB_URL and REDIS_URL, or the embedded services of a running `npm start`; a worker ingests.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { serviceUrls } from '../app/cli.js';
import { openRuntime } from '../app/runtime.js';
import { ConfigError, loadConfig } from '../config/env.js';
import { KnowledgeService, type SourceView, SUPPORTED_EXTENSIONS } from '../knowledge/index.js';
import { AppError } from '../lib/errors.js';
import { Lifecycle } from '../lib/lifecycle.js';
import { createLogger } from '../lib/logger.js';
import { TenantModel } from '../tenants/tenant.model.js';

const USAGE = `usage:
  npm run kb -- add <file|folder>... [--tenant ID] [--course ID]   (alias: ingest)
  npm run kb -- list [--tenant ID]
  npm run kb -- remove <sourceId> [--tenant ID]`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tenant: { type: 'string' },
    course: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const [given, ...args] = positionals;
const command = given === 'ingest' ? 'add' : given;
if (values.help || !command || !['add', 'list', 'remove'].includes(command)) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`kb: configuration error: ${problem}`);
    process.exit(1);
  }
  throw error;
}
const { mongoUrl, redisUrl } = serviceUrls(config);
if (!mongoUrl || !redisUrl) {
  console.error(
    "kb: set MONGODB_URL and REDIS_URL (the product's database and queue), or start the product with `npm start` first.",
  );
  process.exit(1);
}

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'kb' });
const lifecycle = new Lifecycle(logger, 5000);
const runtime = await openRuntime({
  config,
  logger,
  lifecycle,
  mongoUrl,
  redisUrl,
});
const service = new KnowledgeService({ queues: runtime.queues, config, redis: runtime.redis, logger });
let exitCode = 0;

async function chooseTenant(): Promise<string | null> {
  if (values.tenant) {
    if (!Types.ObjectId.isValid(values.tenant) || !(await TenantModel.exists({ _id: values.tenant }))) {
      console.error(`kb: no tenant with id ${values.tenant}`);
      return null;
    }
    return values.tenant;
  }
  const tenants = await TenantModel.find({}, { name: 1 }).sort({ name: 1 }).lean();
  if (tenants.length === 1 && tenants[0]) return String(tenants[0]._id);
  if (tenants.length === 0)
    console.error('kb: there are no tenants yet (launch the tool from an LMS first).');
  else {
    console.error('kb: several tenants exist; choose one with --tenant ID:');
    for (const t of tenants) console.error(`  ${String(t._id)}  ${t.name}`);
  }
  return null;
}

async function filesOf(target: string): Promise<string[]> {
  const info = await stat(target).catch(() => null);
  if (!info) {
    console.error(`kb: ${target}: no such file or folder`);
    exitCode = 1;
    return [];
  }
  if (info.isFile()) return [target];
  const out: string[] = [];
  for (const entry of (await readdir(target, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) out.push(...(await filesOf(full)));
    else if ((SUPPORTED_EXTENSIONS as readonly string[]).includes(path.extname(entry.name).toLowerCase()))
      out.push(full);
  }
  return out;
}

/** Files stored and queued per database batch. */
const ADD_BATCH = 100;

const bar = (pct: number, width = 24) => {
  const filled = Math.round((Math.max(0, Math.min(100, pct)) / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(pct)).padStart(3)}%`;
};

function printSources(sources: SourceView[]): void {
  if (sources.length === 0) {
    console.log('No documents yet.');
    return;
  }
  for (const s of sources) {
    const scope = s.courseId ? `course ${s.courseId}` : 'all courses';
    const state =
      s.status === 'failed'
        ? `failed: ${s.error}`
        : s.status === 'ready'
          ? `${s.chunkCount} passages`
          : `${s.status} ${s.progress}%`;
    console.log(`${s.id}  ${s.path.padEnd(48)} v${s.version}  ${scope.padEnd(16)} ${state}`);
  }
}

try {
  const tenantId = await chooseTenant();
  if (!tenantId) exitCode = 1;
  else if (command === 'list') printSources(await service.listSources(tenantId));
  else if (command === 'remove') {
    if (!args[0]) {
      console.error(USAGE);
      exitCode = 2;
    } else {
      await service.removeSource(tenantId, args[0]);
      console.log(`removed ${args[0]}`);
    }
  } else {
    if (args.length === 0) {
      console.error(USAGE);
      exitCode = 2;
    }
    const tracked: { name: string; id: string }[] = [];
    const files: { name: string; file: string }[] = [];
    for (const target of args) {
      const base = (await stat(target).catch(() => null))?.isDirectory() ? target : path.dirname(target);
      for (const file of await filesOf(target)) {
        files.push({ name: path.relative(base, file).split(path.sep).join('/'), file });
      }
    }
    // Stored and queued in batches: a few database round trips per batch rather than per file.
    for (let i = 0; i < files.length; i += ADD_BATCH) {
      const batch = files.slice(i, i + ADD_BATCH);
      let outcomes: Awaited<ReturnType<typeof service.addFiles>>;
      try {
        outcomes = await service.addFiles({
          tenantId,
          courseId: values.course ?? null,
          files: await Promise.all(
            batch.map(async (f) => ({ filename: f.name, bytes: await readFile(f.file) })),
          ),
        });
      } catch (error) {
        exitCode = 1;
        const reason = error instanceof AppError ? error.message : (error as Error).message;
        for (const f of batch) console.log(`${f.name}: failed: ${reason}`);
        continue;
      }
      outcomes.forEach((outcome, k) => {
        const name = batch[k]?.name ?? '';
        if ('error' in outcome) {
          exitCode = 1;
          console.log(`${name}: failed: ${outcome.error.message}`);
        } else if (outcome.queued) tracked.push({ name, id: outcome.source.id });
        else console.log(`${name}: unchanged (already in the knowledge base)`);
      });
    }
    const interactive = process.stdout.isTTY;
    const width = Math.min(48, Math.max(8, ...tracked.map((t) => t.name.length)));
    const finished = new Set<string>();
    let lastPrinted = '';
    const waitingSince = Date.now();
    let hinted = false;
    while (finished.size < tracked.length) {
      const lines: string[] = [];
      // One listing per round rather than one query per file.
      const byId = new Map(
        (await service.listSources(tenantId, { courseId: values.course ?? null })).map((s) => [s.id, s]),
      );
      for (const t of tracked) {
        const s = byId.get(t.id);
        const label = t.name.slice(-width).padEnd(width);
        if (!s) {
          finished.add(t.id);
          lines.push(`${label} removed`);
        } else if (s.status === 'failed') {
          finished.add(t.id);
          exitCode = 1;
          lines.push(`${label} failed: ${s.error}`);
        } else if (s.status === 'ready' && s.progress >= 100) {
          finished.add(t.id);
          lines.push(`${label} ${bar(100)} ${s.chunkCount} passages`);
        } else lines.push(`${label} ${bar(s.progress)} ${s.status}`);
      }
      const text = lines.join('\n');
      if (!hinted && Date.now() - waitingSince > 20_000 && lines.every((l) => l.endsWith('queued'))) {
        hinted = true;
        console.error(
          'kb: nothing has started yet: is a worker running (npm start or npm run start:worker)?',
        );
      }
      if (interactive) {
        if (lastPrinted) process.stdout.write(`\u001b[${lastPrinted.split('\n').length}A\u001b[0J`);
        process.stdout.write(`${text}\n`);
        lastPrinted = text;
      } else if (finished.size === tracked.length) console.log(text);
      if (finished.size < tracked.length) await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
} catch (error) {
  exitCode = 1;
  console.error(`kb: ${error instanceof AppError ? error.message : (error as Error).message}`);
} finally {
  await lifecycle.shutdown('kb done');
}
process.exit(exitCode);
