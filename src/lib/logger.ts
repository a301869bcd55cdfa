import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** Fields whose values never reach a log line: credentials, LTI session and id tokens, API keys, secrets. */
const SECRET_FIELDS = [
  'password',
  'pass',
  'apiKey',
  'token',
  'ltik',
  'id_token',
  'idToken',
  'sessionToken',
  'client_secret',
  'secret',
  'authorization',
];

const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["ltik-auth-v1"]',
  'req.query.ltik',
  'req.body',
  'res.headers["set-cookie"]',
  'res.headers.location',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
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

/**
 * The last line of defence, over each finished line: secrets whose shape is known are masked wherever they
 * sit (inside an error message, a URL, a string field no redact path names). Field redaction above stays
 * the first one; this catches what a new log call forgets.
 */
const SECRET_SHAPES: Array<[RegExp, string]> = [
  // Session tokens, platform id tokens and deep-linking responses are JWTs.
  [/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g, '[redacted jwt]'],
  [/whsec_[A-Za-z0-9_-]+/g, 'whsec_[redacted]'],
  // user:password@ in any URL (SMTP_URL, MONGODB_URL, REDIS_URL).
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'\\]*:)[^\s@/"'\\]+@/gi, '$1***@'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, '$1[redacted]'],
  [/([?&](?:ltik|token)=)[^&\s"]+/gi, '$1[redacted]'],
  // The tool's RSA keys (kept by ltijs) and OpenAI-style API keys.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[^-]*-----END [A-Z ]*PRIVATE KEY-----/g, '[redacted private key]'],
  [/\bsk-[A-Za-z0-9_-]{20,}/g, 'sk-[redacted]'],
];

export function maskSecrets(line: string): string {
  let masked = line;
  for (const [shape, replacement] of SECRET_SHAPES) masked = masked.replace(shape, replacement);
  return masked;
}

/**
 * The process-wide logger: one JSON object per line on stdout (or `destination`), secrets redacted. With
 * LOG_CAPTURE_FILE set (test runs, see test/support/log-capture.ts), every line at debug level is also
 * appended to that file, while stdout keeps exactly the lines of `level`.
 */
export function createLogger(options: {
  level: string;
  name?: string;
  destination?: DestinationStream;
}): Logger {
  const settings = {
    name: options.name ?? 'chatref',
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: maskSecrets },
  };
  if (options.destination) return pino(settings, options.destination);
  const capture = process.env.LOG_CAPTURE_FILE;
  if (!capture) return pino(settings);
  const streams: pino.StreamEntry[] = [
    { level: 'debug', stream: pino.destination({ dest: capture, sync: true, append: true }) },
  ];
  if (options.level !== 'silent') {
    streams.push({ level: options.level as pino.Level, stream: pino.destination(1) });
  }
  return pino({ ...settings, level: 'debug' }, pino.multistream(streams));
}
