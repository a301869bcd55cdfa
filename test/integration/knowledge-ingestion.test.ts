import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  KnowledgeChunkModel,
  KnowledgeIndexRegistry,
  KnowledgeSourceModel,
  KnowledgeUploadModel,
  seedSampleKnowledge,
} from '../../src/knowledge/index.js';
import { eventually } from '../support/eventually.js';
import { quietLogger } from '../support/services.js';
import { type KnowledgeHarness, newTenantId, settled, startKnowledgeHarness } from './knowledge-support.js';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../fixtures/knowledge', name));
const md = (text: string) => Buffer.from(text, 'utf8');

describe('knowledge base: uploading documents', () => {
  let h: KnowledgeHarness;
  let registry: KnowledgeIndexRegistry;

  before(async () => {
    h = await startKnowledgeHarness({ KB_MAX_FILE_BYTES: '4096' });
    registry = new KnowledgeIndexRegistry({ prefix: h.config.REDIS_PREFIX, checkIntervalMs: 0 });
  });
  after(async () => {
    await registry?.close();
    await h?.stop();
  });

  async function upload(tenantId: string, filename: string, bytes: Buffer, courseId: string | null = null) {
    const added = await h.service.addFile({ tenantId, courseId, filename, bytes });
    return { added, source: await settled(h.service, tenantId, added.source.id) };
  }

  it('answers from an uploaded Markdown page, citing it', async () => {
    const tenantId = newTenantId();
    const { source } = await upload(
      tenantId,
      'resetting-your-password.md',
      md(
        '# Resetting your password\n\n## Steps\n\n1. Select **Forgot password**.\n2. Open the email and follow the link.\n',
      ),
    );
    expect(source).to.include({
      status: 'ready',
      progress: 100,
      title: 'Resetting your password',
      version: 1,
    });
    expect(source.chunkCount).to.be.greaterThan(0);
    const result = await registry.ask(tenantId, 'I forgot my password');
    expect(result.notCovered).to.equal(false);
    expect(result.sources[0]?.path).to.equal('resetting-your-password.md');
  });

  it('reads HTML pages but never stores their scripts', async () => {
    const tenantId = newTenantId();
    const html =
      '<html><head><title>Exam rules</title><script>alert("steal")</script></head><body><h1>Exam rules</h1>' +
      '<p>Calculators are allowed in the final exam.</p><script>document.cookie="x"</script></body></html>';
    const { source } = await upload(tenantId, 'exam-rules.html', md(html));
    expect(source.status).to.equal('ready');
    const chunks = await KnowledgeChunkModel.find({ sourceId: source.id }).lean();
    const stored = chunks.map((c) => c.text).join('\n');
    expect(stored).to.include('Calculators are allowed');
    expect(stored).not.to.match(/alert|cookie|script/i);
  });

  it('reads text from PDF and Word documents', async () => {
    const tenantId = newTenantId();
    const pdf = await upload(tenantId, 'library-hours.pdf', fixture('library-hours.pdf'));
    const docx = await upload(tenantId, 'thesis-submission.docx', fixture('thesis-submission.docx'));
    expect(pdf.source.status, pdf.source.error ?? '').to.equal('ready');
    expect(docx.source.status, docx.source.error ?? '').to.equal('ready');
    expect((await registry.ask(tenantId, 'When does the reading room close?')).sources[0]?.path).to.equal(
      'library-hours.pdf',
    );
    expect((await registry.ask(tenantId, 'plagiarism report for my thesis')).sources[0]?.path).to.equal(
      'thesis-submission.docx',
    );
  });

  it('does nothing new when the same file is uploaded again', async () => {
    const tenantId = newTenantId();
    const bytes = md('# Parking\n\nStaff park in lot B.\n');
    const first = await upload(tenantId, 'parking.md', bytes);
    const again = await h.service.addFile({ tenantId, filename: 'parking.md', bytes });
    expect(again.queued).to.equal(false);
    expect(again.source).to.include({ id: first.source.id, version: 1 });
    expect(await h.service.listSources(tenantId)).to.have.length(1);
  });

  it('replaces the old version of a document with the new one', async () => {
    const tenantId = newTenantId();
    const first = await upload(tenantId, 'wifi.md', md('# Wifi\n\nThe wifi password is ORANGE.\n'));
    const second = await upload(tenantId, 'wifi.md', md('# Wifi\n\nThe wifi password is PURPLE.\n'));
    expect(second.source).to.include({ id: first.source.id, version: 2, status: 'ready' });
    const chunks = await KnowledgeChunkModel.find({ sourceId: first.source.id }).lean();
    expect(chunks.map((c) => c.version)).to.deep.equal(chunks.map(() => 2));
    expect(chunks.map((c) => c.text).join(' '))
      .to.include('PURPLE')
      .and.not.include('ORANGE');
    const answer = await registry.ask(tenantId, 'wifi password');
    expect(answer.answer.text).to.include('PURPLE').and.not.include('ORANGE');
  });

  it('keeps the old version answering when a new upload of it is broken', async () => {
    const tenantId = newTenantId();
    const first = await upload(
      tenantId,
      'canteen.md',
      md('# Canteen\n\nThe canteen serves lunch from noon.\n'),
    );
    const broken = await upload(
      tenantId,
      'canteen.md',
      Buffer.from([0, 159, 146, 150, 0, 1, 2, 3, 0, 0, 255]),
    );
    expect(broken.source).to.include({ id: first.source.id, status: 'failed', version: 1 });
    expect(broken.source.error).to.match(/not a supported file type/);
    expect((await registry.ask(tenantId, 'when is lunch served at the canteen')).answer.text).to.include(
      'noon',
    );
  });

  it('removes a document with its passages', async () => {
    const tenantId = newTenantId();
    const { source } = await upload(tenantId, 'gym.md', md('# Gym\n\nThe gym opens at 6 am.\n'));
    await h.service.removeSource(tenantId, source.id);
    expect(await h.service.listSources(tenantId)).to.deep.equal([]);
    expect(await KnowledgeChunkModel.countDocuments({ sourceId: source.id })).to.equal(0);
    expect(await KnowledgeUploadModel.countDocuments({ sourceId: source.id })).to.equal(0);
    expect((await registry.ask(tenantId, 'when does the gym open')).notCovered).to.equal(true);
  });

  it('explains why a file could not be used', async () => {
    const tenantId = newTenantId();
    const garbage = await upload(tenantId, 'notes.txt', Buffer.from([0, 1, 2, 3, 0, 255, 254, 0, 7, 8]));
    expect(garbage.source.status).to.equal('failed');
    expect(garbage.source.error).to.match(/not a supported file type/);
    const scanned = await upload(tenantId, 'scanned.pdf', fixture('scanned.pdf'));
    expect(scanned.source.error).to.match(/this PDF has no extractable text/);
    for (const s of [garbage.source, scanned.source]) {
      expect(await KnowledgeChunkModel.countDocuments({ sourceId: s.id })).to.equal(0);
    }
    let oversize: Error | undefined;
    await h.service
      .addFile({ tenantId, filename: 'huge.md', bytes: Buffer.alloc(5000, 'a') })
      .catch((e: Error) => {
        oversize = e;
      });
    expect(oversize?.message).to.match(/over the size limit/);
    let unsupported: Error | undefined;
    await h.service.addFile({ tenantId, filename: 'tool.exe', bytes: md('MZ') }).catch((e: Error) => {
      unsupported = e;
    });
    expect(unsupported?.message).to.match(/not a supported file type/);
  });

  it('shows course documents only inside their course', async () => {
    const tenantId = newTenantId();
    await upload(
      tenantId,
      'lab-safety.md',
      md('# Lab safety\n\nWear goggles in the chemistry lab.\n'),
      'chem101',
    );
    const inCourse = await registry.ask(tenantId, 'do I need goggles in the lab', { courseId: 'chem101' });
    const elsewhere = await registry.ask(tenantId, 'do I need goggles in the lab', { courseId: 'hist200' });
    const tenantWide = await registry.ask(tenantId, 'do I need goggles in the lab');
    expect(inCourse.sources[0]?.path).to.equal('lab-safety.md');
    expect(elsewhere.sources).to.deep.equal([]);
    expect(tenantWide.sources).to.deep.equal([]);
  });

  it('adds a question-and-answer pair that answers at once', async () => {
    const tenantId = newTenantId();
    const qa = await h.service.addQa({
      tenantId,
      question: 'Who do I call about a broken projector?',
      answer: 'Call the AV desk on extension 4455.',
    });
    expect(qa).to.include({ kind: 'qa', status: 'ready', version: 1 });
    expect((await registry.ask(tenantId, 'the projector is broken, who do I call?')).answer.text).to.include(
      '4455',
    );
  });

  /** The index a second web process keeps (its periodic version check a minute away: it follows by message). */
  const anotherWebProcessIndex = async () => {
    const registry = new KnowledgeIndexRegistry({
      redis: h.runtime.redis,
      prefix: h.config.REDIS_PREFIX,
      logger: quietLogger,
      checkIntervalMs: 60_000,
    });
    await registry.start();
    return registry;
  };

  it('lets another web process see a new document without a restart', async () => {
    const tenantId = newTenantId();
    const other = await anotherWebProcessIndex();
    try {
      await upload(tenantId, 'printing.md', md('# Printing\n\nPrint credits cost 5 cents a page.\n'));
      expect((await other.ask(tenantId, 'how much does printing cost')).sources[0]?.path).to.equal(
        'printing.md',
      );
      // Loaded now; the next document arrives by message (the version check is a minute away).
      await upload(tenantId, 'scanning.md', md('# Scanning\n\nScanning to email is free on every copier.\n'));
      const seen = await eventually(
        async () =>
          (await other.ask(tenantId, 'is scanning to email free')).sources[0]?.path === 'scanning.md',
        'the other process to find the new document',
      );
      expect(seen).to.equal(true);
    } finally {
      await other.close();
    }
  });

  it('ingests a folder added at once, and says which of its files could not be used', async () => {
    const tenantId = newTenantId();
    const other = await anotherWebProcessIndex();
    try {
      await other.ensure(tenantId); // a web process already serving this tenant follows by message
      const outcomes = await h.service.addFiles({
        tenantId,
        files: [
          { filename: 'help/library.md', bytes: md('# Library\n\nThe library lends laptops for a week.\n') },
          { filename: 'help/lockers.md', bytes: md('# Lockers\n\nLockers are rented at the front desk.\n') },
          { filename: 'help/setup.exe', bytes: md('MZ') },
          { filename: 'help/library.md', bytes: md('# Library\n\nA second copy.\n') },
          { filename: 'help/showers.md', bytes: md('# Showers\n\nShowers are next to the gym.\n') },
        ],
      });
      expect(outcomes.map((o) => ('error' in o ? o.error.status : 'queued' in o && o.queued))).to.deep.equal([
        true,
        true,
        422,
        409,
        true,
      ]);
      for (const o of outcomes) {
        if ('source' in o) expect((await settled(h.service, tenantId, o.source.id)).status).to.equal('ready');
      }
      const paths = async (question: string) => (await other.ask(tenantId, question)).sources[0]?.path;
      await eventually(() => other.size(tenantId) >= 3, 'the other process to hold the three documents');
      expect(await paths('can I borrow a laptop')).to.equal('help/library.md');
      expect(await paths('where do I rent a locker')).to.equal('help/lockers.md');
      expect(await paths('where are the showers')).to.equal('help/showers.md');
      // The same folder again: nothing new.
      const again = await h.service.addFiles({
        tenantId,
        files: [
          { filename: 'help/lockers.md', bytes: md('# Lockers\n\nLockers are rented at the front desk.\n') },
        ],
      });
      expect(again[0] && 'queued' in again[0] && again[0].queued).to.equal(false);
    } finally {
      await other.close();
    }
  });

  it('finishes a document whose ingestion stopped right after it went live, rather than leave it processing', async () => {
    const tenantId = newTenantId();
    const { source } = await upload(
      tenantId,
      'bikes.md',
      md('# Bikes\n\nBike racks are behind building C.\n'),
    );
    // As a worker that died between the switch and "ready" leaves it; BullMQ then runs the job again.
    await KnowledgeSourceModel.updateOne(
      { _id: source.id },
      { $set: { status: 'processing', progress: 98 } },
    );
    await h.runtime.queues.enqueue(
      'knowledge',
      'ingest',
      // The rerun does not read the upload (its version is live already), so no part ids are needed.
      { tenantId, sourceId: source.id, version: source.version, parts: [] },
      { jobId: `rerun-${source.id}` },
    );
    const after = await settled(h.service, tenantId, source.id);
    expect(after).to.include({ status: 'ready', progress: 100, version: 1, chunkCount: source.chunkCount });
    expect(await KnowledgeChunkModel.countDocuments({ sourceId: source.id })).to.equal(source.chunkCount);
    expect((await registry.ask(tenantId, 'where can I park my bike')).sources[0]?.path).to.equal('bikes.md');
  });

  it('seeds sample documents into a tenant with none, once', async () => {
    const tenantId = newTenantId();
    const dir = mkdtempSync(path.join(tmpdir(), 'kb-samples-'));
    try {
      writeFileSync(path.join(dir, 'welcome.md'), '# Welcome\n\nThe help desk is on the ground floor.\n');
      writeFileSync(path.join(dir, 'ATTRIBUTION.md'), '# Attribution\n\nNot a help page.\n');
      expect(await seedSampleKnowledge(tenantId, h.service, { dir })).to.equal(1);
      const [source] = await h.service.listSources(tenantId);
      expect((await settled(h.service, tenantId, source?.id ?? '')).status).to.equal('ready');
      expect(await seedSampleKnowledge(tenantId, h.service, { dir })).to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
