import { startTestApp, type TestApp } from './app.js';
import { type HttpReceiver, type SmtpReceiver, startHttpReceiver, startSmtpReceiver } from './receivers.js';

type Env = Record<string, string>;
type Stoppable = { stop(): Promise<void> };

/** An app whose notifications land in local receivers: email in `smtp`, Slack, Teams and webhooks in `http`. */
export interface AppWithReceivers<App extends Stoppable = TestApp> {
  app: App;
  smtp: SmtpReceiver;
  http: HttpReceiver;
  /** Stops the app, then both receivers. */
  stop(): Promise<void>;
}

/**
 * Starts the SMTP and HTTP receivers, then the app (by default the tool with its worker; else `start`) with
 * SMTP_URL on the SMTP receiver and mail from `Chatref <chatref@example.edu>`; `env` adds settings. Channels
 * whose target is under `http.url` reach the HTTP receiver.
 */
export function startAppWithReceivers(env?: Env): Promise<AppWithReceivers>;
export function startAppWithReceivers<App extends Stoppable>(
  env: Env,
  start: (env: Env) => Promise<App>,
): Promise<AppWithReceivers<App>>;
export async function startAppWithReceivers(
  env: Env = {},
  start: (env: Env) => Promise<Stoppable> = (appEnv) => startTestApp({ worker: true, env: appEnv }),
): Promise<AppWithReceivers<Stoppable>> {
  const smtp = await startSmtpReceiver();
  const http = await startHttpReceiver();
  const closeReceivers = async () => {
    await smtp.close();
    await http.close();
  };
  try {
    const app = await start({ SMTP_URL: smtp.url, MAIL_FROM: 'Chatref <chatref@example.edu>', ...env });
    return {
      app,
      smtp,
      http,
      async stop() {
        await app.stop();
        await closeReceivers();
      },
    };
  } catch (error) {
    await closeReceivers();
    throw error;
  }
}
