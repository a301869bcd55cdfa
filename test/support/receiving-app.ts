import { startTestApp, type TestApp } from './app.js';
import { startHttpReceiver, startSmtpReceiver } from './receivers.js';

/**
 * Starts local receivers, then the app (`start`; by default the tool with its worker) with `env`, SMTP_URL
 * on the SMTP receiver and mail from `Chatref <chatref@example.edu>`: email lands in `smtp`; Slack, Teams
 * and webhook channels whose target is under `http.url` land in `http`. `stop`: the app, then both receivers.
 */
export async function startAppWithReceivers<App extends { stop(): Promise<void> } = TestApp>(
  env: Record<string, string> = {},
  start = (appEnv: Record<string, string>) =>
    startTestApp({ worker: true, env: appEnv }) as unknown as Promise<App>,
) {
  const smtp = await startSmtpReceiver();
  const http = await startHttpReceiver();
  const closeReceivers = () => Promise.all([smtp.close(), http.close()]);
  const mail = { SMTP_URL: smtp.url, MAIL_FROM: 'Chatref <chatref@example.edu>' };
  const app = await start({ ...mail, ...env }).catch((error: unknown) =>
    closeReceivers().then(() => Promise.reject(error)),
  );
  const stop = async () => {
    await app.stop();
    await closeReceivers();
  };
  return { app, smtp, http, stop };
}

export type AppWithReceivers<App extends { stop(): Promise<void> } = TestApp> = Awaited<
  ReturnType<typeof startAppWithReceivers<App>>
>;
