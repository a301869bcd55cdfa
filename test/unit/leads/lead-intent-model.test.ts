import { expect } from 'chai';
import { detectLeadIntent } from '../../../src/leads/lead-intent.js';
import {
  classifyLeadIntent,
  createLeadIntentModel,
  type LeadIntentModel,
} from '../../../src/leads/lead-intent-model.js';
import { FakeOpenAI } from '../../support/openai-fake.js';

// Borderline for the rules: a price question with nothing else (not a lead by the rules alone), and
// "pricing" alone (a lead by the rules alone, just).
const BORDERLINE_NOT_LEAD = 'How much does it cost?';
const BORDERLINE_LEAD = 'I need pricing info';
const CLEAR_LEAD = 'Can we get a demo and a quote for our university of 20,000 students?';
const CLEAR_LOOK_ALIKE = 'How much is the certificate for my course?';

describe('lead intent with the chat model (a local OpenAI-compatible server)', () => {
  let fake: FakeOpenAI;
  let model: LeadIntentModel;
  const warnings: unknown[] = [];
  const logger = { warn: (...args: unknown[]) => void warnings.push(args) };

  before(async () => {
    fake = await new FakeOpenAI().start();
    const created = createLeadIntentModel({
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: fake.url,
      OPENAI_CHAT_MODEL: 'gpt-4o-mini',
    });
    if (!created) throw new Error('no model');
    model = created;
  });
  after(() => fake.stop());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.mode = 'ok';
    warnings.length = 0;
  });

  it('makes no model without OPENAI_API_KEY', () => {
    expect(
      createLeadIntentModel({ OPENAI_API_KEY: undefined, OPENAI_BASE_URL: fake.url, OPENAI_CHAT_MODEL: 'x' }),
    ).to.equal(null);
  });

  it('asks the model about a borderline message, with structured output, and follows its judgement', async () => {
    expect(detectLeadIntent(BORDERLINE_NOT_LEAD).lead).to.equal(false);
    fake.reply = JSON.stringify({ lead: true, confidence: 0.8 });
    const intent = await classifyLeadIntent(BORDERLINE_NOT_LEAD, { model, logger });
    expect(intent).to.include({ lead: true, decidedBy: 'model', score: 0.9 });
    expect(intent.signals).to.include('model: lead');

    const [request] = fake.sent('chat/completions');
    expect(request?.headers.authorization).to.equal('Bearer test-key');
    expect(request?.body.model).to.equal('gpt-4o-mini');
    const format = request?.body.response_format as { type: string; json_schema: { name: string } };
    expect(format.type).to.equal('json_schema');
    expect(format.json_schema.name).to.equal('lead_intent');
    // The message travels as the user's turn, apart from the instructions.
    const messages = request?.body.messages as { role: string; content: string }[];
    expect(messages.at(-1)).to.deep.include({ role: 'user', content: BORDERLINE_NOT_LEAD });
    expect(messages[0]?.role).to.match(/system|developer/);
  });

  it('lets the model overrule the rules on a borderline lead', async () => {
    expect(detectLeadIntent(BORDERLINE_LEAD).lead).to.equal(true);
    fake.reply = JSON.stringify({ lead: false, confidence: 0.6 });
    const intent = await classifyLeadIntent(BORDERLINE_LEAD, { model, logger });
    expect(intent).to.include({ lead: false, decidedBy: 'model', score: 0.2 });
  });

  it('never asks the model about clear messages', async () => {
    fake.reply = JSON.stringify({ lead: false, confidence: 1 });
    expect(await classifyLeadIntent(CLEAR_LEAD, { model, logger })).to.include({
      lead: true,
      decidedBy: 'rules',
    });
    fake.reply = JSON.stringify({ lead: true, confidence: 1 });
    expect(await classifyLeadIntent(CLEAR_LOOK_ALIKE, { model, logger })).to.include({
      lead: false,
      decidedBy: 'rules',
    });
    expect(fake.sent('chat/completions')).to.have.length(0);
  });

  it('never asks the model about a support question with no commercial word or buyer action', async () => {
    // An organisation and "we" put these near the threshold, but nothing in them is about buying.
    fake.reply = JSON.stringify({ lead: true, confidence: 1 });
    for (const text of [
      'How do we change the logo in the LMS header to match our university branding?',
      'How do I restrict registration to our university email domain?',
    ])
      expect(await classifyLeadIntent(text, { model, logger })).to.include({
        lead: false,
        decidedBy: 'rules',
      });
    expect(fake.sent('chat/completions')).to.have.length(0);
  });

  it('leaves a borderline message to the rules, without the model, when the verdict cannot matter', async () => {
    fake.reply = JSON.stringify({ lead: false, confidence: 1 });
    let asked = 0;
    const modelMatters = async () => {
      asked++;
      return false;
    };
    expect(await classifyLeadIntent(BORDERLINE_LEAD, { model, logger, modelMatters })).to.deep.equal(
      detectLeadIntent(BORDERLINE_LEAD),
    );
    expect(await classifyLeadIntent(CLEAR_LEAD, { model, logger, modelMatters })).to.include({ lead: true });
    // Asked about the borderline message only; the model about neither.
    expect(asked).to.equal(1);
    expect(fake.sent('chat/completions')).to.have.length(0);
  });

  for (const [trouble, setUp] of [
    ['answers 500', () => (fake.mode = '500')],
    ['answers 429', () => (fake.mode = '429')],
    ['replies with something other than the judgement', () => (fake.reply = 'Sure! It looks like a lead.')],
    ['replies with a confidence out of range', () => (fake.reply = '{"lead": true, "confidence": 7}')],
  ] as const) {
    it(`leaves the decision to the rules when the model ${trouble}`, async () => {
      setUp();
      const intent = await classifyLeadIntent(BORDERLINE_NOT_LEAD, { model, logger });
      expect(intent).to.deep.equal(detectLeadIntent(BORDERLINE_NOT_LEAD));
      expect(fake.sent('chat/completions')).to.have.length(1);
      expect(warnings).to.have.length(1);
      // The learner's message is not logged.
      expect(JSON.stringify(warnings)).not.to.include(BORDERLINE_NOT_LEAD);
    });
  }

  it('leaves the decision to the rules when the model does not answer within the timeout', async () => {
    fake.mode = 'hang';
    const intent = await classifyLeadIntent(BORDERLINE_LEAD, { model, logger, timeoutMs: 200 });
    expect(intent).to.deep.equal(detectLeadIntent(BORDERLINE_LEAD));
    expect(warnings).to.have.length(1);
  });
});
