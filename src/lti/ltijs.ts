import type { Express } from 'express';
import ltijs from 'ltijs';

/**
 * The one module that touches ltijs. We use it for what it does well: the platform registry with
 * encrypted per-platform tool keys (and the `/lti/keys` JWKS), deep-linking response signing, and
 * service calls with its access-token cache (NRPS). Login and launch validation are ours (see
 * launch-validator.ts): ltijs 5.9 accepts future-dated tokens, unknown deployments and a nonce other
 * than the one sent at login, fetches the platform JWKS on every launch, and depends on a third-party
 * state cookie that browsers block inside iframes.
 */

export interface LtijsPlatform {
  platformUrl(): Promise<string>;
  platformClientId(): Promise<string>;
  platformName(name?: string): Promise<string>;
  platformId(): Promise<string>;
  platformKid(): Promise<string>;
  platformActive(active?: boolean): Promise<boolean>;
  platformAuthConfig(): Promise<{ method: string; key: string }>;
  platformAuthEndpoint(): Promise<string>;
  platformAccessTokenEndpoint(): Promise<string>;
}

export interface PlatformRegistration {
  url: string;
  name: string;
  clientId: string;
  authenticationEndpoint: string;
  accesstokenEndpoint: string;
  authorizationServer?: string;
  authConfig: { method: 'JWK_SET'; key: string };
}

/** The subset of an ltijs id token its services read. */
export interface LtijsIdToken {
  iss: string;
  clientId: string;
  deploymentId: string;
  platformContext: {
    deepLinkingSettings?: Record<string, unknown>;
    namesRoles?: { context_memberships_url: string };
    resource?: { id: string };
  };
}

interface Provider {
  app: Express;
  setup(key: string, database: { url: string; connection?: Record<string, unknown> }, options: object): void;
  deploy(options: { serverless: boolean; silent: boolean }): Promise<void>;
  close(options?: { silent: boolean }): Promise<void>;
  registerPlatform(platform: PlatformRegistration): Promise<LtijsPlatform>;
  getPlatform(url: string, clientId?: string): Promise<LtijsPlatform | LtijsPlatform[] | false>;
  getAllPlatforms(): Promise<LtijsPlatform[]>;
  deletePlatform(url: string, clientId: string): Promise<boolean>;
  DeepLinking: {
    createDeepLinkingMessage(token: LtijsIdToken, items: object[], options?: object): Promise<string>;
  };
  NamesAndRoles: {
    getMembers(
      token: LtijsIdToken,
      options?: { role?: string; limit?: number; pages?: number | false; url?: string },
    ): Promise<{
      members: Array<Record<string, unknown>>;
      next?: string;
    }>;
  };
}

const provider = (ltijs as unknown as { Provider: Provider }).Provider;
let ready: Promise<Provider> | undefined;
let setUp = false;

/**
 * Sets ltijs up once per process (it is a singleton) against the configured database, in serverless
 * mode so its routes mount inside our express app.
 */
export function startLtijs(options: { encryptionKey: string; mongoUrl: string }): Promise<Provider> {
  ready ??= (async () => {
    // setup() may run only once per process; deploy() (re)opens the database connection.
    if (!setUp) {
      provider.setup(
        options.encryptionKey,
        { url: options.mongoUrl },
        { keysetRoute: '/keys', ltiaas: true, cookies: { secure: true, sameSite: 'None' } },
      );
      setUp = true;
    }
    // deploy() adds a SIGINT handler that calls process.exit(), which would cut our graceful shutdown
    // short (in-flight requests and jobs); our lifecycle closes ltijs itself.
    const ownListeners = new Set(process.listeners('SIGINT'));
    await provider.deploy({ serverless: true, silent: true });
    for (const listener of process.listeners('SIGINT')) {
      if (!ownListeners.has(listener)) process.removeListener('SIGINT', listener);
    }
    return provider;
  })();
  return ready;
}

/** The ready provider; throws if `startLtijs` has not run in this process. */
export async function ltijsProvider(): Promise<Provider> {
  if (!ready) throw new Error('ltijs is not started');
  return ready;
}

/** Closes ltijs's own database connection. */
export async function stopLtijs(): Promise<void> {
  if (!ready) return;
  const started = await ready;
  ready = undefined;
  await started.close({ silent: true });
}
