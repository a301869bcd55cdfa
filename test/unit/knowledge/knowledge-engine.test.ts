import { expect } from 'chai';
import { combineWithModelJudgement } from '../../../src/knowledge/confidence.service.js';
import { type ChunkRecord, KnowledgeEngine, type SourceDocument } from '../../../src/knowledge/index.js';

const docs: SourceDocument[] = [
  {
    sourceId: 'password',
    path: 'resetting-your-password.md',
    format: 'markdown',
    content: `# Resetting your password

## Reset a forgotten password

To reset a forgotten password, follow these steps.

1. On the sign-in page, select **Forgot Password**.

2. Enter the email address of your account.

3. Open the reset email message and select the link.

4. Enter a new password twice.
`,
  },
  {
    sourceId: 'certificates',
    path: 'getting-a-certificate.md',
    format: 'markdown',
    content: `# Getting a certificate\n\nWhen you pass the course, download your certificate from the Progress page.`,
  },
  {
    sourceId: 'lab-rules',
    path: 'lab-safety.md',
    format: 'markdown',
    courseId: 'chem101',
    content: `# Lab safety rules\n\nWear goggles in the chemistry lab at all times.`,
  },
];

async function engineWithDocs(): Promise<KnowledgeEngine> {
  const engine = new KnowledgeEngine();
  await engine.index('tenant-a', docs);
  return engine;
}

describe('knowledge engine', () => {
  it('keeps the numbered steps of a procedure together in one answer, with its source', async () => {
    const engine = await engineWithDocs();
    const result = engine.ask('tenant-a', 'I forgot my password, how do I reset it?');
    expect(result.notCovered).to.equal(false);
    expect(result.sources[0]?.sourceId).to.equal('password');
    expect(result.answer.text).to.match(/^From: Resetting your password/);
    for (const step of [
      '1. On the sign-in page',
      '2. Enter the email',
      '3. Open the reset',
      '4. Enter a new password',
    ]) {
      expect(result.answer.text).to.include(step);
    }
    expect(result.answer.citations[0]).to.deep.include({
      index: 1,
      sourceId: 'password',
      title: 'Resetting your password',
      path: 'resetting-your-password.md',
    });
  });

  it('flags a question the documents do not cover, and does not make up an answer', async () => {
    const engine = await engineWithDocs();
    const result = engine.ask('tenant-a', 'What time does the gym open on Sundays?');
    expect(result.notCovered).to.equal(true);
    expect(result.answer.citations).to.deep.equal([]);
    expect(result.answer.text).to.match(/couldn't find/);
  });

  it('frames answers in Spanish for a Spanish-speaking user', async () => {
    const engine = await engineWithDocs();
    expect(engine.ask('tenant-a', 'download certificate', { locale: 'es-MX' }).answer.text).to.match(/^De: /);
    expect(engine.ask('tenant-a', '¿A qué hora abre el gimnasio?', { locale: 'es' }).answer.text).to.match(
      /No encontré/,
    );
  });

  it('a course-specific document is not visible from another course', async () => {
    const engine = await engineWithDocs();
    const inCourse = engine.ask('tenant-a', 'goggles in the chemistry lab', { courseId: 'chem101' });
    expect(inCourse.sources[0]?.sourceId).to.equal('lab-rules');
    const elsewhere = engine.ask('tenant-a', 'goggles in the chemistry lab', { courseId: 'hist200' });
    expect(elsewhere.sources.map((s) => s.sourceId)).not.to.include('lab-rules');
  });

  it("one tenant's documents never answer another tenant's questions", async () => {
    const engine = await engineWithDocs();
    const result = engine.ask('tenant-b', 'how do I reset my password');
    expect(result.notCovered).to.equal(true);
    expect(result.sources).to.deep.equal([]);
  });

  it('answers the same after rebuilding from stored chunk records (as after a restart)', async () => {
    const original = await engineWithDocs();
    const stored: ChunkRecord[] = JSON.parse(JSON.stringify(await new KnowledgeEngine().index('x', docs)));
    const rebuilt = new KnowledgeEngine();
    rebuilt.load('tenant-a', stored);
    const q = 'where do I download my certificate';
    expect(rebuilt.ask('tenant-a', q).sources).to.deep.equal(original.ask('tenant-a', q).sources);
  });

  it('stops citing a document once it is removed or replaced', async () => {
    const engine = await engineWithDocs();
    engine.removeSource('tenant-a', 'certificates');
    expect(engine.ask('tenant-a', 'download certificate').sources.map((s) => s.sourceId)).not.to.include(
      'certificates',
    );
    await engine.index('tenant-a', [
      {
        ...docs[0],
        content: '# Passwords\n\nPasswords are managed by your university SSO.',
      } as SourceDocument,
    ]);
    expect(engine.ask('tenant-a', 'reset password').answer.text).to.include('university SSO');
  });

  it('uses question embeddings when chunks have them', async () => {
    const engine = new KnowledgeEngine();
    const records = await engine.index('t', docs);
    engine.load(
      't',
      records.map((r, i) => ({ ...r, embedding: Array.from({ length: 16 }, (_, d) => (d === i ? 1 : 0)) })),
    );
    const target = records.findIndex((r) => r.sourceId === 'certificates');
    const query = Array.from({ length: 16 }, (_, d) => (d === target ? 1 : 0));
    const result = engine.ask('t', 'download certificate', { queryEmbedding: query });
    expect(result.passages[0]?.vectorScore).to.be.closeTo(1, 1e-3);
    expect(result.sources[0]?.sourceId).to.equal('certificates');
  });

  it("lets a model's doubt lower confidence, but not lift weak evidence much", () => {
    expect(combineWithModelJudgement(0.8)).to.equal(0.8);
    expect(combineWithModelJudgement(0.8, 0.1)).to.be.closeTo(0.45, 1e-9);
    expect(combineWithModelJudgement(0.2, 1)).to.be.closeTo(0.35, 1e-9);
  });
});
