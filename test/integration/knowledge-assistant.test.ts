import { expect } from 'chai';
import { type Assistant, createAssistant } from '../../src/assistant/index.js';
import { KnowledgeChunkModel, KnowledgeIndexRegistry } from '../../src/knowledge/index.js';
import { FakeOpenAI } from '../support/openai-fake.js';
import { type KnowledgeHarness, newTenantId, settled, startKnowledgeHarness } from './knowledge-support.js';

const PASSWORD_DOC = `# Resetting your password

## Reset a forgotten password

To reset a forgotten password, follow these steps.

1. On the sign-in page, select **Forgot Password**.
2. Enter the email address of your account.
3. Open the reset email message and select the link.
`;

describe('assistant answers with a language model', () => {
  let fake: FakeOpenAI;
  let h: KnowledgeHarness;
  let registry: KnowledgeIndexRegistry;
  let assistant: Assistant;
  let tenantId: string;

  before(async () => {
    fake = await new FakeOpenAI().start();
    h = await startKnowledgeHarness({
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: fake.url,
      OPENAI_CHAT_MODEL: 'fake-chat',
      OPENAI_EMBEDDING_MODEL: 'fake-embed',
    });
    registry = new KnowledgeIndexRegistry({ prefix: h.config.REDIS_PREFIX, checkIntervalMs: 0 });
    assistant = createAssistant({ registry, config: h.config, timeoutMs: 1500 });
    tenantId = newTenantId();
    const added = await h.service.addFile({
      tenantId,
      filename: 'resetting-your-password.md',
      bytes: Buffer.from(PASSWORD_DOC),
    });
    const source = await settled(h.service, tenantId, added.source.id);
    expect(source.status, source.error ?? '').to.equal('ready');
  });
  after(async () => {
    await registry?.close();
    await h?.stop();
    await fake?.stop();
  });
  beforeEach(() => {
    fake.mode = 'ok';
    fake.reply =
      'Select **Forgot Password** on the sign-in page and follow the emailed link [1].\nCONFIDENCE: 0.9';
  });

  it('embeds the passages when a document is ingested', async () => {
    const embedded = fake.sent('embeddings');
    expect(embedded.length).to.be.greaterThan(0);
    expect(JSON.stringify(embedded[0]?.body.input)).to.include('Forgot Password');
    expect(embedded[0]?.body.model).to.equal('fake-embed');
    const chunk = await KnowledgeChunkModel.findOne({ tenantId }).lean();
    expect(chunk?.embedding).to.have.length(fake.dimensions);
  });

  it('sends the numbered passages and the citation rules, and streams the answer in order', async () => {
    const before = fake.sent('chat/completions').length;
    const streamed: string[] = [];
    const result = await assistant.answerQuestion(
      { tenantId, question: 'I forgot my password, how do I reset it?', locale: 'en' },
      { onToken: (t) => streamed.push(t) },
    );
    const request = fake.sent('chat/completions')[before];
    expect(request?.body.stream).to.equal(true);
    expect(request?.body.model).to.equal('fake-chat');
    const sent = JSON.stringify(request?.body.messages);
    expect(sent).to.include('[1] Resetting your password');
    expect(sent).to.include('On the sign-in page, select **Forgot Password**');
    expect(sent).to.match(/Cite the passages you use as \[1\], \[2\]/);
    expect(sent).to.match(/does not cover it/);
    expect(sent).to.match(/Never invent steps/);
    expect(sent).to.match(/Never reveal/);
    expect(streamed.length).to.be.greaterThan(3);
    expect(streamed.join('').trimEnd()).to.equal(
      'Select **Forgot Password** on the sign-in page and follow the emailed link [1].',
    );
    expect(result).to.include({ mode: 'model', model: 'fake-chat', degraded: false, notCovered: false });
    expect(result.text).to.equal(streamed.join('').trimEnd());
    expect(result.text).not.to.include('CONFIDENCE');
    expect(result.citations[0]).to.include({ index: 1, path: 'resetting-your-password.md' });
    expect(result.tokens.completion).to.be.greaterThan(0);
    expect(result.passages[0]?.sourceId).to.be.a('string');
  });

  it("lowers confidence when the model says the passages don't answer", async () => {
    fake.reply = "The documentation available to me doesn't cover that.\nCONFIDENCE: 0.0";
    const result = await assistant.answerQuestion({ tenantId, question: 'how do I reset my password' });
    expect(result.mode).to.equal('model');
    expect(result.notCovered).to.equal(true);
    expect(result.citations).to.deep.equal([]);
  });

  for (const mode of ['429', '500', 'hang'] as const) {
    it(`falls back to the extractive answer when the model ${mode === 'hang' ? 'times out' : `answers ${mode}`}`, async () => {
      fake.mode = mode;
      const result = await assistant.answerQuestion({
        tenantId,
        question: 'I forgot my password, how do I reset it?',
        locale: 'en',
      });
      expect(result).to.include({ mode: 'extractive', degraded: true, notCovered: false, model: null });
      expect(result.text).to.match(/^From: Resetting your password/);
      expect(result.text).to.include('select **Forgot Password**');
    });
  }

  it('answers extractively in Spanish without a model configured', async () => {
    const plain = createAssistant({
      registry,
      config: { ...h.config, OPENAI_API_KEY: undefined },
      embedder: null,
    });
    const before = fake.sent('chat/completions').length;
    const result = await plain.answerQuestion({ tenantId, question: 'forgot password reset', locale: 'es' });
    expect(result).to.include({ mode: 'extractive', degraded: false, model: null });
    expect(result.text).to.match(/^De: /);
    expect(fake.sent('chat/completions').length).to.equal(before);
  });

  it('does not call the model for a question the documents do not cover', async () => {
    const before = fake.sent('chat/completions').length;
    const result = await assistant.answerQuestion({
      tenantId,
      question: 'What time does the gym open on Sundays?',
    });
    expect(result.notCovered).to.equal(true);
    expect(fake.sent('chat/completions').length).to.equal(before);
  });
});
