import { expect } from 'chai';
import { createLogger, maskSecrets } from '../../../src/lib/logger.js';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } });
  return { logger, text: () => lines.join('') };
}

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('log lines carry no secrets', () => {
  it('fields named like secrets are redacted, at the top and one level down', () => {
    const { logger, text } = capture();
    logger.info(
      { password: 'p4ss-top', channel: { secret: 'whatever-1', apiKey: 'k-123' }, token: 't-1' },
      'x',
    );
    for (const value of ['p4ss-top', 'whatever-1', 'k-123', 't-1']) expect(text()).not.to.contain(value);
    expect(text()).to.contain('[redacted]');
  });

  it('secrets of a known shape are masked wherever they sit, even inside a message or an error', () => {
    const { logger, text } = capture();
    logger.warn(
      { err: new Error(`connect to smtp://mailer:hunter2-secret@mail.example.edu:587 failed with ${JWT}`) },
      'delivery to https://h.example/go?token=abcdef123456&x=1 with Bearer abcdefghijklmnop and whsec_0123456789abcdefghij',
    );
    const line = text();
    for (const value of [
      'hunter2-secret',
      JWT,
      'abcdef123456',
      'abcdefghijklmnop',
      'whsec_0123456789abcdefghij',
    ])
      expect(line).not.to.contain(value);
    expect(line).to.contain('smtp://mailer:***@mail.example.edu:587');
  });

  it('masks private keys and API keys', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----';
    const masked = maskSecrets(`{"key":"${pem}","openai":"sk-abcdefghijklmnopqrstuvwxyz012345"}`);
    expect(masked).not.to.contain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
    expect(masked).not.to.contain('abcdefghijklmnopqrstuvwxyz012345');
  });

  it('leaves ordinary text alone', () => {
    const text = '{"msg":"GET /api/chat 200","url":"http://localhost:3000/chat?page=2"}';
    expect(maskSecrets(text)).to.equal(text);
  });
});
