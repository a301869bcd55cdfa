import { capturedLogDir, scanLogs, testLtiKey } from './log-capture.js';
import { stopTestServices } from './services.js';

/**
 * Mocha root hooks: whatever services the run started are cleaned and stopped once at the end. With
 * TEST_LOG_DIR set, the run's logs (every process, debug level) are then scanned: a secret in them fails
 * the run, naming file and line (never the value).
 */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopTestServices();
    const dir = capturedLogDir();
    if (!dir) return;
    const findings = scanLogs(dir, { 'the test LTI_ENCRYPTION_KEY': testLtiKey() });
    if (findings.length) {
      const list = findings.map((f) => `  ${f.file}:${f.line}: ${f.what}`).join('\n');
      throw new Error(`Secrets in the logs of this run (${dir}):\n${list}`);
    }
  },
};
