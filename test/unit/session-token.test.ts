import { expect } from 'chai';
import { issueSessionToken, type Session, verifySessionToken } from '../../src/lti/session.js';

const session: Session = {
  launchId: '665f1b2c3d4e5f6a7b8c9d0e',
  tenantId: '665f1b2c3d4e5f6a7b8c9d01',
  userId: '665f1b2c3d4e5f6a7b8c9d02',
  courseId: '665f1b2c3d4e5f6a7b8c9d03',
  role: 'learner',
  locale: 'es',
};
const secret = 'a'.repeat(64);
const refused = async (token: string, key = secret) => {
  try {
    await verifySessionToken(token, key);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === 'unauthorized';
  }
};
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('session tokens', () => {
  it('carry who launched, where and in which language, back to every API call', async () => {
    expect(await verifySessionToken(await issueSessionToken(session, secret), secret)).to.deep.equal(session);
  });

  it('are standard HS256 JWTs that say what they are', async () => {
    const [header] = (await issueSessionToken(session, secret)).split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).to.deep.equal({
      alg: 'HS256',
      typ: 'chatref-session',
    });
  });

  it('refuse a token whose role was changed, one signed with another key, and an unsigned one', async () => {
    const [header, payload, signature] = (await issueSessionToken(session, secret)).split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    expect(await refused(`${header}.${b64({ ...claims, role: 'admin' })}.${signature}`)).to.equal(true);
    expect(await refused(await issueSessionToken(session, 'b'.repeat(64)))).to.equal(true);
    expect(await refused(`${b64({ alg: 'none', typ: 'chatref-session' })}.${payload}.`)).to.equal(true);
    expect(await refused('not-a-token')).to.equal(true);
  });

  it('stop working when they expire', async () => {
    expect(await refused(await issueSessionToken(session, secret, -1))).to.equal(true);
  });
});
