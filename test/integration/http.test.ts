import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/app.js';

describe('HTTP basics', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      env: { FRAME_ANCESTORS: 'https://canvas.example.edu https://moodle.example.edu' },
    });
  });
  after(() => app.stop());

  it('reports the process is up on /healthz', async () => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ status: 'ok' });
  });

  it('reports ready on /readyz when MongoDB and Redis answer', async () => {
    const response = await fetch(`${app.url}/readyz`);
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ status: 'ready', checks: { mongodb: true, redis: true } });
  });

  it('lets the configured LMS origins frame the tool and never sends X-Frame-Options', async () => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.headers.get('content-security-policy')).to.contain(
      'frame-ancestors https://canvas.example.edu https://moodle.example.edu',
    );
    expect(response.headers.get('x-frame-options')).to.equal(null);
  });

  it('answers malformed JSON with 400 and a message', async () => {
    const response = await fetch(`${app.url}/api/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text": "unfinished',
    });
    expect(response.status).to.equal(400);
    expect((await response.json()).error.message).to.equal('The request body is not valid JSON.');
  });

  it('answers an oversized body with 413', async () => {
    const response = await fetch(`${app.url}/api/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(response.status).to.equal(413);
    expect((await response.json()).error.code).to.equal('payload_too_large');
  });

  it('answers an unknown route with 404 naming it', async () => {
    const response = await fetch(`${app.url}/no/such/page`);
    expect(response.status).to.equal(404);
    expect((await response.json()).error.message).to.equal('Nothing at GET /no/such/page.');
  });

  it('keeps a caller-supplied request id so logs can be matched to a support ticket', async () => {
    const response = await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'ticket-1234' } });
    expect(response.headers.get('x-request-id')).to.equal('ticket-1234');
    const generated = await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': '<script>' } });
    expect(generated.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
  });

  it('keeps serving after bad requests', async () => {
    await fetch(`${app.url}/api/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[',
    });
    expect((await fetch(`${app.url}/healthz`)).status).to.equal(200);
  });
});
