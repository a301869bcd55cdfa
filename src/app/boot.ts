import { type Config, ConfigError, loadConfig } from '../config/env.js';
import { Lifecycle } from '../lib/lifecycle.js';
import { createLogger } from '../lib/logger.js';
import { type EmbeddingKind, startEmbeddedServices, withLocalEmbeddings } from './embedded-services.js';
import { openRuntime, type Runtime } from './runtime.js';
import { startWeb } from './web.js';
import { startWorker } from './worker.js';

export type ProcessRole = 'web' | 'worker' | 'all';

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`chatref: configuration error: ${problem}`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Starts a process: `web` (HTTP), `worker` (BullMQ) or `all` (both, the local default). With no
 * MONGODB_URL/REDIS_URL, `all` starts embedded FerretDB and redis-server and stops them on exit; with
 * LOCAL_EMBEDDINGS=true, any role starts the local embedding server and points its config at it.
 */
export async function boot(role: ProcessRole): Promise<Runtime> {
  let config = loadConfigOrExit();
  const logger = createLogger({ level: config.LOG_LEVEL, name: `chatref-${role}` });
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT_MS);
  lifecycle.handleSignals();
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    void lifecycle.shutdown('uncaught exception').then(() => process.exit(1));
  });

  let { MONGODB_URL: mongoUrl, REDIS_URL: redisUrl } = config;
  if ((!mongoUrl || !redisUrl) && role !== 'all') {
    const missing = [!mongoUrl && 'MONGODB_URL', !redisUrl && 'REDIS_URL'].filter(Boolean).join(' and ');
    console.error(
      `chatref: configuration error: ${missing} must be set to run ${role} on its own (npm start embeds both)`,
    );
    process.exit(1);
  }
  if (config.LOCAL_EMBEDDINGS && config.EMBEDDINGS_BASE_URL) {
    console.error(
      'chatref: configuration error: LOCAL_EMBEDDINGS=true starts its own embedding server; unset EMBEDDINGS_BASE_URL, or set LOCAL_EMBEDDINGS=false to use that server',
    );
    process.exit(1);
  }
  // The local embedding server is started by every process that embeds, whatever its role, since nothing
  // else would serve it (the databases only by `all`): one embedding questions for the web side, one
  // embedding documents for the worker side (e5 prefixes them differently; see EmbeddingKind).
  const kinds: EmbeddingKind[] = !config.LOCAL_EMBEDDINGS
    ? []
    : role === 'web'
      ? ['query']
      : role === 'worker'
        ? ['passage']
        : ['query', 'passage'];
  let webConfig = config;
  if (!mongoUrl || !redisUrl || kinds.length) {
    try {
      const embedded = await startEmbeddedServices({
        dataDir: config.DATA_DIR,
        logger,
        mongo: !mongoUrl,
        redis: !redisUrl,
        embeddings: kinds,
        persistRedis: true,
        record: !mongoUrl || !redisUrl,
      });
      lifecycle.onShutdown('embedded services', () => embedded.stop());
      mongoUrl ??= embedded.mongoUrl;
      redisUrl ??= embedded.redisUrl;
      const { query, passage } = embedded.embeddingsUrls;
      if (query) webConfig = withLocalEmbeddings(config, query);
      if (passage) config = withLocalEmbeddings(config, passage);
    } catch (error) {
      console.error(`chatref: ${(error as Error).message}`);
      process.exit(1);
    }
  }

  if (!mongoUrl || !redisUrl) throw new Error('embedded services did not report their URLs');
  const runtime = await openRuntime({ config, logger, lifecycle, mongoUrl, redisUrl });
  if (role === 'worker' || role === 'all') await startWorker(runtime);
  if (role === 'web' || role === 'all')
    await startWeb(webConfig === config ? runtime : { ...runtime, config: webConfig });
  return runtime;
}
