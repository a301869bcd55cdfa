import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { CONFIG_DIR } from '../../src/config/env.js';
import { createLogger, type Logger } from '../../src/lib/logger.js';

/**
 * With TEST_LOG_DIR set, a test run writes every log line at debug level to files in one folder of its own
 * (TEST_LOG_DIR/run-<time>-<id>/): the in-process apps' lines to in-process.log, each child process's
 * output to <entry>-<pid>.log. The root hook scans them for secrets at the end of the run.
 */
const root = process.env.TEST_LOG_DIR;
const runDir = root
  ? path.resolve(
      root,
      `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`,
    )
  : undefined;
if (runDir) mkdirSync(runDir, { recursive: true });

/** This run's log folder, or undefined when logs are not captured. */
export const capturedLogDir = (): string | undefined => runDir;

/** The logger for in-process apps: silent (or TEST_LOG_LEVEL), or debug into this run's folder. */
export function testLogger(): Logger {
  if (!runDir) return createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test' });
  return createLogger({
    level: 'debug',
    name: 'test',
    destination: pino.destination({ dest: path.join(runDir, 'in-process.log'), sync: true }),
  });
}

let children = 0;

/**
 * For a child process: the environment to run it with. With capture on, its logger appends every line at
 * debug level to a file of its own (LOG_CAPTURE_FILE) while its stdout stays as the test expects it.
 */
export function captureChild(entry: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!runDir) return env;
  children += 1;
  const name = path.basename(entry).replace(/\.[a-z]+$/, '');
  return { ...env, LOG_CAPTURE_FILE: path.join(runDir, `${name}-${process.pid}-${children}.log`) };
}

/** LOG_CAPTURE_FILE for children started from `testEnv` directly: one file they all append to. */
export function childLogCapture(): Record<string, string> {
  return runDir ? { LOG_CAPTURE_FILE: path.join(runDir, 'children.log') } : {};
}

/** A secret found in a log file: which file, which line, which kind of secret (never the value itself). */
export interface LogFinding {
  file: string;
  line: number;
  what: string;
}

/** Shapes of secrets that must never be logged, whatever test produced them. */
export const SECRET_SHAPES: Array<[string, RegExp]> = [
  // Session tokens and platform id tokens are JWTs: base64url JSON header, payload, signature.
  ['a JWT (session token or id_token)', /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/],
  ['a webhook signing secret', /whsec_[A-Za-z0-9_-]{16,}/],
  ['a password in a URL', /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'\\]+:(?!\*\*\*@)[^\s@/"'\\]+@/i],
  ['a bearer token', /Bearer\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{8,}/],
  ['a session token in a URL', /[?&]ltik=(?!\[redacted\])[^&\s"]{8,}/],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['an API key', /\bsk-(?!\[redacted\])[A-Za-z0-9_-]{20,}/],
];

/** Scans every file of a log folder for the given literal secrets and the secret shapes above. */
export function scanLogs(dir: string, literals: Record<string, string> = {}): LogFinding[] {
  const findings: LogFinding[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.log'))) {
    findings.push(...scanLines(readFileSync(path.join(dir, file), 'utf8').split('\n'), file, literals));
  }
  return findings;
}

/** The same scan over lines already in memory (a test's own capture). */
export function scanLines(
  lines: string[],
  file: string,
  literals: Record<string, string> = {},
): LogFinding[] {
  const findings: LogFinding[] = [];
  lines.forEach((text, index) => {
    for (const [what, value] of Object.entries(literals)) {
      if (value && text.includes(value)) findings.push({ file, line: index + 1, what });
    }
    for (const [what, shape] of SECRET_SHAPES) {
      if (shape.test(text)) findings.push({ file, line: index + 1, what });
    }
  });
  return findings;
}

/** The LTI key test processes sign sessions with (config/test.json): it must never be logged either. */
export function testLtiKey(): string {
  return JSON.parse(readFileSync(path.join(CONFIG_DIR, 'test.json'), 'utf8')).LTI_ENCRYPTION_KEY ?? '';
}
