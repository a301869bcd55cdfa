import { type Logger, pino } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line: credentials, LTI session tokens, API keys. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["ltik-auth-v1"]',
  'req.query.ltik',
  'res.headers["set-cookie"]',
  '*.password',
  '*.apiKey',
  '*.token',
  '*.ltik',
  '*.id_token',
  '*.client_secret',
];

/** Redacts the password in a connection URL so it can be logged. */
export function safeUrl(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

/** The process-wide logger: one JSON object per line on stdout, secrets redacted. */
export function createLogger(options: { level: string; name?: string }): Logger {
  return pino({
    name: options.name ?? 'chatref',
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  });
}
