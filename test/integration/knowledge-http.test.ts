import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { Types } from 'mongoose';
import type { FileOutcomeDto, KnowledgeSourceDto } from '../../src/http/presenters/knowledge.presenter.js';
import { KnowledgeChunkModel, KnowledgeService } from '../../src/knowledge/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { launch } from '../support/lms-client.js';

const LIMIT = 4096;

describe('knowledge admin API over HTTP', function () {
  this.timeout(60_000);
  let app: TestApp;
  let adminToken: string;
  let learnerToken: string;

  before(async () => {
    app = await startTestApp({ worker: true, env: { KB_MAX_FILE_BYTES: String(LIMIT) } });
    adminToken = (await launch(app.url, { role: 'admin' })).sessionToken;
    learnerToken = (await launch(app.url, { role: 'learner' })).sessionToken;
    expect(adminToken).to.not.equal('');
  });
  after(() => app?.stop());

  const call = (path: string, init: RequestInit = {}, token = adminToken) => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(`${app.url}${path}`, { ...init, headers });
  };

  const upload = async (
    files: Array<[string, Uint8Array<ArrayBuffer> | string, string?]>,
    token = adminToken,
  ) => {
    const form = new FormData();
    for (const [name, content, type] of files) {
      form.append('files', new Blob([content], { type: type ?? 'application/octet-stream' }), name);
    }
    const response = await call('/api/knowledge/files', { method: 'POST', body: form }, token);
    const body = (await response.json()) as {
      data?: { files: FileOutcomeDto[] };
      error?: { code: string; message: string };
    };
    return { status: response.status, body, files: body.data?.files ?? [] };
  };

  const getSource = async (id: string) => {
    const response = await call(`/api/knowledge/sources/${id}`);
    return { status: response.status, body: (await response.json()) as { data: KnowledgeSourceDto } };
  };

  /** Polls the API as the page does; returns every progress value seen and the settled source. */
  async function settle(id: string) {
    const seen: number[] = [];
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { status, body } = await getSource(id);
      expect(status).to.equal(200);
      seen.push(body.data.progress);
      if (body.data.status === 'ready' || body.data.status === 'failed') return { source: body.data, seen };
      if (Date.now() > deadline) throw new Error(`source did not settle: ${JSON.stringify(body.data)}`);
      await sleep(25);
    }
  }

  const accepted = (outcome: FileOutcomeDto | undefined) => {
    if (!outcome?.ok) throw new Error(`upload was refused: ${JSON.stringify(outcome)}`);
    return outcome;
  };

  it('ingests an uploaded Markdown file: progress reaches 100 and the source is ready with passages', async () => {
    const { status, files } = await upload([
      ['enrolment-help.md', '# Enrolment help\n\nAsk the registry office to enrol you in a course.\n'],
    ]);
    expect(status).to.equal(202);
    const outcome = accepted(files[0]);
    expect(outcome).to.include({ name: 'enrolment-help.md', status: 202, queued: true });
    expect(outcome.source).to.include({ kind: 'file', type: 'Markdown', scope: 'institution' });
    expect(['queued', 'processing']).to.include(outcome.source.status);

    const { source, seen } = await settle(outcome.source.id);
    expect(source).to.include({
      status: 'ready',
      progress: 100,
      version: 1,
      title: 'Enrolment help',
      error: null,
      fileName: 'enrolment-help.md',
    });
    expect(source.chunkCount).to.be.greaterThan(0);
    expect(seen.at(-1)).to.equal(100);
    expect(seen).to.deep.equal(
      [...seen].sort((a, b) => a - b),
      'progress never goes backwards',
    );

    const list = await call('/api/knowledge/sources');
    expect(list.status).to.equal(200);
    const listed = ((await list.json()) as { data: KnowledgeSourceDto[] }).data;
    const row = listed.find((s) => s.id === source.id);
    // Presenters whitelist: no tenant ids, hashes or storage internals reach the client.
    expect(row).to.have.all.keys(
      'id',
      'kind',
      'title',
      'fileName',
      'type',
      'scope',
      'status',
      'progress',
      'chunkCount',
      'version',
      'error',
      'sizeBytes',
      'updatedAt',
    );
  });

  it('does nothing new when the same file is uploaded again, and replaces it when its content changes', async () => {
    const bytes = '# Library\n\nThe library opens at 8 am.\n';
    const first = accepted((await upload([['library.md', bytes]])).files[0]);
    await settle(first.source.id);

    const again = await upload([['library.md', bytes]]);
    expect(again.status).to.equal(200);
    expect(accepted(again.files[0])).to.deep.include({ queued: false, status: 200 });
    expect(accepted(again.files[0]).source).to.include({ id: first.source.id, version: 1, status: 'ready' });

    const changed = accepted(
      (await upload([['library.md', '# Library\n\nThe library opens at 9 am.\n']])).files[0],
    );
    expect(changed).to.include({ queued: true });
    const { source } = await settle(changed.source.id);
    expect(source).to.include({ id: first.source.id, version: 2, status: 'ready' });
  });

  it('refuses learners (403) and calls without a session (401)', async () => {
    expect((await call('/api/knowledge/sources', {}, learnerToken)).status).to.equal(403);
    expect((await upload([['x.md', '# X\n\ntext\n']], learnerToken)).status).to.equal(403);
    const qa = await call(
      '/api/knowledge/qa',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: 'q?', answer: 'a' }),
      },
      learnerToken,
    );
    expect(qa.status).to.equal(403);
    expect((await call(`/knowledge?ltik=${encodeURIComponent(learnerToken)}`, {}, '')).status).to.equal(403);
    expect((await call('/api/knowledge/sources', {}, '')).status).to.equal(401);
  });

  it("answers 404 for another tenant's source and leaves it alone", async () => {
    const otherTenant = new Types.ObjectId().toHexString();
    const service = new KnowledgeService({ queues: app.runtime.queues, config: app.config });
    const theirs = await service.addQa({ tenantId: otherTenant, question: 'Secret?', answer: 'Theirs.' });

    expect((await getSource(theirs.id)).status).to.equal(404);
    const removal = await call(`/api/knowledge/sources/${theirs.id}`, { method: 'DELETE' });
    expect(removal.status).to.equal(404);
    expect(((await removal.json()) as { error: { code: string } }).error.code).to.equal('not_found');
    expect(await service.getSource(otherTenant, theirs.id)).to.include({ status: 'ready' });
    expect((await call('/api/knowledge/sources/not-an-id', { method: 'DELETE' })).status).to.equal(404);

    const listed = ((await (await call('/api/knowledge/sources')).json()) as { data: KnowledgeSourceDto[] })
      .data;
    expect(listed.map((s) => s.id)).not.to.include(theirs.id);
  });

  it('refuses a file over the size limit with 413 and a message naming it', async () => {
    const { status, body, files } = await upload([['handbook.md', `# Big\n\n${'a'.repeat(LIMIT + 100)}`]]);
    expect(status).to.equal(413);
    expect(body.error?.code).to.equal('payload_too_large');
    expect(body.error?.message).to.equal('"handbook.md" is over the size limit of 4 KB.');
    expect(files[0]).to.deep.include({ name: 'handbook.md', ok: false, status: 413 });

    // With other files in the same request, the good ones are taken and the response says which was not.
    const mixed = await upload([
      ['too-big.md', 'b'.repeat(LIMIT + 1)],
      ['small.md', '# Small\n\nShort page.\n'],
    ]);
    expect(mixed.status).to.equal(207);
    expect(mixed.files.map((f) => [f.name, f.status])).to.deep.equal([
      ['too-big.md', 413],
      ['small.md', 202],
    ]);
    await settle(accepted(mixed.files[1]).source.id);
  });

  it('reports per file why a binary file could not be used', async () => {
    const garbage = new Uint8Array([0, 159, 146, 150, 0, 1, 2, 3, 0, 0, 255, 254, 7]);
    const refused = await upload([['dump.bin', garbage]]);
    expect(refused.status).to.equal(422);
    expect(refused.files[0]).to.deep.include({ name: 'dump.bin', ok: false, status: 422 });
    expect(refused.body.error?.message).to.match(/"dump\.bin" is not a supported file type \(accepted: \.md/);

    // Named like text: taken, then the ingestion job fails it with the reason.
    const taken = accepted((await upload([['notes.txt', garbage, 'text/plain']])).files[0]);
    const { source } = await settle(taken.source.id);
    expect(source.status).to.equal('failed');
    expect(source.error).to.match(/not a supported file type/);
    expect(source.chunkCount).to.equal(0);
  });

  it('adds a Q&A pair, validating its length', async () => {
    const post = (body: unknown) =>
      call('/api/knowledge/qa', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await post({
      question: 'How do I reset my LMS password?',
      answer: 'Use "Forgot password" on the login page.',
    });
    expect(created.status).to.equal(201);
    const qa = ((await created.json()) as { data: KnowledgeSourceDto }).data;
    expect(qa).to.include({
      kind: 'qa',
      type: 'Q&A',
      title: 'How do I reset my LMS password?',
      status: 'ready',
      fileName: null,
    });
    expect(qa.chunkCount).to.be.greaterThan(0);

    const blank = await post({ question: '   ', answer: 'x' });
    expect(blank.status).to.equal(400);
    expect(((await blank.json()) as { error: { message: string } }).error.message).to.equal(
      'A question is needed.',
    );
    const long = await post({ question: 'Why?', answer: 'x'.repeat(9000) });
    expect(long.status).to.equal(400);
    expect(((await long.json()) as { error: { message: string } }).error.message).to.match(
      /answer is too long/,
    );
  });

  it('removes a source with its passages', async () => {
    const outcome = accepted(
      (await upload([['parking.md', '# Parking\n\nStaff park in lot B.\n']])).files[0],
    );
    const { source } = await settle(outcome.source.id);
    expect(await KnowledgeChunkModel.countDocuments({ sourceId: source.id })).to.be.greaterThan(0);

    const removal = await call(`/api/knowledge/sources/${source.id}`, { method: 'DELETE' });
    expect(removal.status).to.equal(204);
    expect((await getSource(source.id)).status).to.equal(404);
    expect(await KnowledgeChunkModel.countDocuments({ sourceId: source.id })).to.equal(0);
    const listed = ((await (await call('/api/knowledge/sources')).json()) as { data: KnowledgeSourceDto[] })
      .data;
    expect(listed.map((s) => s.id)).not.to.include(source.id);
    expect((await call(`/api/knowledge/sources/${source.id}`, { method: 'DELETE' })).status).to.equal(404);
  });

  it('serves the page to admins with its controls and no inline script', async () => {
    const response = await call(`/knowledge?ltik=${encodeURIComponent(adminToken)}`, {}, '');
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-security-policy')).to.contain("script-src 'self'");
    const html = await response.text();
    expect(html).to.contain('<caption id="sources-caption">Knowledge sources</caption>');
    expect(html).to.contain('<label for="upload-files">Upload documents</label>');
    expect(html).not.to.match(/<script>|<style|\son[a-z]+="/i);
  });
});
