import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { Types } from 'mongoose';
import type { AnyDomainEvent } from '../../../src/events/catalog.js';
import { topicJobOf } from '../../../src/insights/topic.jobs.js';
import {
  centroidOf,
  clusterItems,
  keepsLabel,
  mapClustersToTopics,
  topTerms,
} from '../../../src/insights/topic-clustering.js';
import { type CorpusRow, isoWeek, termsOf } from '../../../src/insights/topic-corpus.js';
import { acceptLabel } from '../../../src/insights/topic-labeller.js';
import { type PlanTopic, planRecluster } from '../../../src/insights/topic-plan.js';
import { TOPIC_DEFAULTS } from '../../../src/insights/topic-settings.js';
import { analyzeQuestion, labelStems, questionKey } from '../../../src/insights/topic-text.js';
import {
  cosine,
  type SparseVector,
  termStatistics,
  tfidfVector,
} from '../../../src/insights/topic-vectors.js';
import { measureTopics } from './topic-measure.js';

/** Rows as the store holds them, ids in the order given (ObjectIds sort by creation). */
function rowsOf(questions: readonly string[], start = 0): CorpusRow[] {
  return questions.map((q, i) => {
    const analysed = analyzeQuestion(q);
    return {
      _id: new Types.ObjectId((start + i + 1).toString(16).padStart(24, '0')),
      terms: analysed.terms.map((t) => ({ s: t.stem, w: t.word })),
      topicId: null,
      method: null,
    };
  });
}

/** Applies a plan the way the re-clustering job writes it (rows get topics, topics are stored). */
function apply(rows: CorpusRow[], topics: Map<string, PlanTopic>, plan: ReturnType<typeof planRecluster>) {
  for (const t of plan.topics)
    topics.set(t.id, {
      id: t.id,
      label: t.label,
      labelSource: t.labelSource,
      stems: t.stems,
      representation: t.representation,
      centroid: t.centroid,
    });
  for (const row of rows) {
    const moved = plan.moves.get(String(row._id));
    if (moved) {
      row.topicId = new Types.ObjectId(moved);
      row.method = 'cluster';
    }
  }
}

const run = (rows: CorpusRow[], topics: Map<string, PlanTopic>, embeddingModel: string | null = null) => {
  const plan = planRecluster({
    tenantId: 'a'.repeat(24),
    rows,
    topics: [...topics.values()],
    settings: TOPIC_DEFAULTS,
    embeddingModel,
  });
  apply(rows, topics, plan);
  return plan;
};

const topicOf = (rows: CorpusRow[], index: number) => String(rows[index]?.topicId ?? '');

const PASSWORD = [
  'I forgot my password, how do I reset it?',
  'How can I reset my password?',
  'Password reset link never arrived',
];
const PROCTORING = [
  'How do I assign a proctor for the final exam?',
  'Can I opt out of the proctored exam?',
  'Where do I set up proctored exam settings?',
];
const SPANISH = [
  '¿Cómo cambio mi contraseña olvidada?',
  'Olvidé mi contraseña, ¿cómo la cambio?',
  '¿Dónde cambio la contraseña de mi cuenta?',
];

describe('topics: question text and TF-IDF', () => {
  it('analyses questions with the product analyser, keeping the words learners wrote', () => {
    const en = analyzeQuestion('I forgot my Passwords!');
    expect(en.language).to.equal('en');
    expect(en.terms.map((t) => t.word)).to.deep.equal(['forgot', 'passwords']);
    expect(en.terms.map((t) => t.stem)).to.deep.equal(['forgot', 'password']);
    const es = analyzeQuestion('¿Cómo cambio mi contraseña?');
    expect(es.language).to.equal('es');
    expect(es.terms.map((t) => t.word)).to.include('contraseña');
    // One thread's question is one row whatever the case, accents or spacing.
    expect(questionKey('Cómo  cambio mi CONTRASEÑA')).to.equal(questionKey('como cambio mi contraseña'));
  });

  it('weighs a term every question shares below one that tells questions apart, and normalises', () => {
    const questions = ['reset course password', 'course certificate', 'course grade report'].map(
      (q) => analyzeQuestion(q).terms,
    );
    const stats = termStatistics(questions);
    const v = tfidfVector(questions[0] ?? [], stats);
    expect((v.get('cours') ?? 0) < (v.get('password') ?? 0)).to.equal(true);
    expect(cosine(v, v)).to.be.closeTo(1, 1e-9);
    const other = tfidfVector(questions[1] ?? [], stats);
    expect(cosine(v, other)).to.be.greaterThan(0).and.lessThan(1);
  });
});

describe('topics: clustering and labels', () => {
  const vectorsOf = (rows: CorpusRow[]) => {
    const stats = termStatistics(rows.map(termsOf));
    return new Map<string, SparseVector>(rows.map((r) => [String(r._id), tfidfVector(termsOf(r), stats)]));
  };

  it('groups questions about one task and keeps other tasks apart (agglomerative, average linkage)', () => {
    const rows = rowsOf([...PASSWORD, ...PROCTORING]);
    const vectors = vectorsOf(rows);
    const groups = clusterItems(
      [...vectors].map(([id, vector]) => ({ id, vector })),
      TOPIC_DEFAULTS.cutDistance,
    );
    const ids = rows.map((r) => String(r._id));
    expect(groups).to.deep.include(ids.slice(0, 3));
    expect(groups).to.deep.include(ids.slice(3, 6));
  });

  it('puts Spanish questions with each other, not with the English ones on the same task', () => {
    const rows = rowsOf([...PASSWORD, ...SPANISH]);
    const vectors = vectorsOf(rows);
    const groups = clusterItems(
      [...vectors].map(([id, vector]) => ({ id, vector })),
      TOPIC_DEFAULTS.cutDistance,
    );
    const ids = rows.map((r) => String(r._id));
    expect(groups).to.deep.include(ids.slice(3, 6));
  });

  it('labels a cluster with its distinguishing terms, each as the word learners used most', () => {
    const questions = [
      'reset passwords',
      'passwords reset again',
      'password reset email',
      'course certificate',
    ].map((q) => analyzeQuestion(q).terms);
    const stats = termStatistics(questions);
    const top = topTerms(questions.slice(0, 3), stats, 3);
    expect(top.map((t) => t.word).slice(0, 2)).to.have.members(['passwords', 'reset']);
    expect(top.map((t) => t.word)).not.to.include('certificate');
  });

  it('keeps a label while its terms stay near the top, and a model label always', () => {
    const top = ['password', 'reset', 'email', 'link', 'sign', 'account'].map((stem, i) => ({
      stem,
      word: stem,
      score: 6 - i,
    }));
    expect(keepsLabel({ labelSource: 'terms', stems: ['password', 'reset', 'email'] }, top)).to.equal(true);
    expect(keepsLabel({ labelSource: 'terms', stems: ['password', 'grade', 'email'] }, top)).to.equal(false);
    expect(keepsLabel({ labelSource: 'model', stems: [] }, top)).to.equal(true);
  });

  it('maps a cluster to the topic it shares questions with, else to a similar centroid, else a new one', () => {
    const rows = rowsOf([...PASSWORD, ...PROCTORING]);
    const vectors = vectorsOf(rows);
    const ids = rows.map((r) => String(r._id));
    const pw = ids.slice(0, 3);
    const proctor = ids.slice(3, 6);
    const mapped = mapClustersToTopics(
      [
        { members: pw, centroid: centroidOf(pw, vectors) },
        { members: proctor, centroid: centroidOf(proctor, vectors) },
        { members: [ids[0] ?? ''], centroid: centroidOf([ids[0] ?? ''], vectors) },
      ],
      [
        { id: 't-password', members: pw.slice(0, 2), centroid: new Map() },
        { id: 't-proctoring', members: [], centroid: centroidOf(proctor.slice(0, 1), vectors) },
      ],
      TOPIC_DEFAULTS,
    );
    expect(mapped.map((m) => [m.topicId, m.matchedBy])).to.deep.equal([
      ['t-password', 'overlap'],
      ['t-proctoring', 'centroid'],
      [null, 'none'],
    ]);
  });
});

describe('topics: identity across re-clustering runs', () => {
  it('keeps topic ids and labels when questions are added, and gives a new theme a new topic', () => {
    const rows = rowsOf([PASSWORD[0], PASSWORD[1], PROCTORING[0], PROCTORING[1]] as string[]);
    const topics = new Map<string, PlanTopic>();
    const first = run(rows, topics);
    expect(first.topics.filter((t) => t.isNew)).to.have.length(2);
    const passwordTopic = topicOf(rows, 0);
    const proctorTopic = topicOf(rows, 2);
    expect(passwordTopic).to.not.equal('').and.not.equal(proctorTopic);
    expect(topicOf(rows, 1)).to.equal(passwordTopic);
    const labels = new Map([...topics].map(([id, t]) => [id, t.label]));

    // A second day: more of both, and a theme not seen before.
    rows.push(
      ...rowsOf(
        [
          PASSWORD[2] as string,
          PROCTORING[2] as string,
          'How do I download the grade report?',
          'The grade report download fails',
        ],
        100,
      ),
    );
    const second = run(rows, topics);
    expect(topicOf(rows, 0)).to.equal(passwordTopic);
    expect(topicOf(rows, 2)).to.equal(proctorTopic);
    expect(topicOf(rows, 4)).to.equal(passwordTopic);
    expect(topicOf(rows, 5)).to.equal(proctorTopic);
    expect(topicOf(rows, 6)).to.equal(topicOf(rows, 7)).and.not.be.oneOf([passwordTopic, proctorTopic, '']);
    expect(second.topics.filter((t) => t.isNew)).to.have.length(1);
    expect(topics.get(passwordTopic)?.label).to.equal(labels.get(passwordTopic));
    expect(topics.get(proctorTopic)?.label).to.equal(labels.get(proctorTopic));

    // Nothing new: a third run moves nothing.
    expect(run(rows, topics).moves.size).to.equal(0);
  });

  it('a lone question waits; a model-labelled question keeps its topic', () => {
    const rows = rowsOf(['Where is the cafeteria menu?', ...PASSWORD.slice(0, 2)]);
    const modelTopic = new Types.ObjectId().toHexString();
    const pinned = rows[2] as CorpusRow;
    pinned.topicId = new Types.ObjectId(modelTopic);
    pinned.method = 'model';
    const topics = new Map<string, PlanTopic>([
      [
        modelTopic,
        {
          id: modelTopic,
          label: 'Password reset',
          labelSource: 'model',
          stems: [],
          representation: 'tfidf',
          centroid: [],
        },
      ],
    ]);
    const plan = run(rows, topics);
    expect(rows[0]?.topicId).to.equal(null);
    expect(String(rows[2]?.topicId)).to.equal(modelTopic);
    expect(plan.waiting).to.be.greaterThan(0);
    expect(topics.get(modelTopic)?.label).to.equal('Password reset');
  });

  it('clusters by embeddings when every question has one of the configured model, else by terms', () => {
    // Two themes in an embedding space where everything is alike (a shared component, as e5's cone).
    const near = (theme: number, jitter: number) =>
      Array.from({ length: 8 }, (_, i) => 1 + (i === theme ? 0.5 : 0) + (i === 7 ? jitter : 0));
    const rows = rowsOf(['alpha one', 'alpha two', 'beta one', 'beta two']).map((row, i) => ({
      ...row,
      embedding: { model: 'm', vector: near(i < 2 ? 0 : 3, i % 2 ? 0.05 : -0.05) },
    }));
    const topics = new Map<string, PlanTopic>();
    const plan = run(rows, topics, 'm');
    expect(plan.representation).to.equal('embedding:m');
    expect(topicOf(rows, 0)).to.equal(topicOf(rows, 1));
    expect(topicOf(rows, 2)).to.equal(topicOf(rows, 3)).and.not.equal(topicOf(rows, 0));
    const mixed = [...rowsOf(['alpha one']), ...rows.slice(1)];
    expect(
      planRecluster({
        tenantId: 'a'.repeat(24),
        rows: mixed,
        topics: [],
        settings: TOPIC_DEFAULTS,
        embeddingModel: 'm',
      }).representation,
    ).to.equal('tfidf');
  });

  it("is stable across two runs on the repository's copy of the shared questions", () => {
    const load = (f: string) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { question: string });
    const questions = [
      ...load('samples/eval/questions.jsonl'),
      ...load('samples/eval/questions-hard.jsonl'),
    ].map((q) => q.question);
    // Day one sees the first half; day two all of them.
    const half = Math.floor(questions.length / 2);
    const rows = rowsOf(questions.slice(0, half));
    const topics = new Map<string, PlanTopic>();
    run(rows, topics);
    const before = rows.map((r) => (r.topicId ? String(r.topicId) : null));
    rows.push(...rowsOf(questions.slice(half), 1000));
    run(rows, topics);
    const kept = before.filter((t, i) => t !== null && String(rows[i]?.topicId) === t).length;
    const assigned = before.filter((t) => t !== null).length;
    expect(assigned).to.be.greaterThan(0);
    // Topics may absorb new questions; the questions they had stay with them (allow a few regroupings).
    expect(kept / assigned).to.be.at.least(0.9);
    // Re-running on the same questions changes nothing.
    expect(run(rows, topics).moves.size).to.equal(0);
  });

  it('measures topics on the shared sets (purity against source articles)', () => {
    const load = (f: string) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id: string; question: string; sources?: string[] });
    const all = [...load('samples/eval/questions.jsonl'), ...load('samples/eval/questions-hard.jsonl')];
    const m = measureTopics(
      all.map((q) => ({ id: q.id, question: q.question, sources: q.sources ?? [] })),
      TOPIC_DEFAULTS,
    );
    expect(m.topics).to.be.greaterThan(5);
    expect(m.purity).to.be.greaterThan(0.4);
  });
});

describe('topics: model labels and triggers', () => {
  it('accepts an existing label however the model spells it, or a short new one', () => {
    expect(acceptLabel('password RESET.', ['Password reset', 'Exam proctoring'])).to.equal('Password reset');
    expect(acceptLabel('"Grade reports"', ['Password reset'])).to.equal('Grade reports');
    expect(acceptLabel('   ', [])).to.equal(null);
    expect(acceptLabel('x'.repeat(80), [])).to.equal(null);
    // A near-repeat (plural, other order) is the same topic by its stems.
    expect(labelStems('Password resets')).to.equal(labelStems('reset password'));
    expect(labelStems('Exam proctoring')).to.not.equal(labelStems('Password reset'));
  });

  it('stores the ISO week of a question for trends', () => {
    expect(isoWeek(new Date('2026-01-01T12:00:00Z'))).to.equal('2026-W01');
    expect(isoWeek(new Date('2025-12-29T00:00:00Z'))).to.equal('2026-W01');
    expect(isoWeek(new Date('2026-03-04T15:00:00Z'))).to.equal('2026-W10');
  });

  const event = (name: string, payload: unknown): AnyDomainEvent =>
    ({
      seq: 7,
      tenantId: 't1',
      name,
      conversationId: 'c1',
      visibility: 'public',
      actor: { role: 'bot' },
      at: '2026-03-04T15:00:00.000Z',
      payload,
    }) as AnyDomainEvent;
  const answer = (confidence: number, citations = 1) => ({
    message: {
      id: 'm1',
      conversationId: 'c1',
      clientId: 'bot:q1',
      author: 'bot',
      kind: 'message',
      text: 'An answer',
      citations: Array.from({ length: citations }, (_, i) => ({ index: i + 1, title: 'Doc' })),
      confidence,
      internal: false,
      createdAt: '2026-03-04T15:00:00.000Z',
    },
  });

  it('turns handoffs, thumbs-downs and low-confidence answers into assignment jobs, and nothing else', async () => {
    const threshold = async () => 0.5;
    expect(
      await topicJobOf(
        event('conversation.handed_off', { reasons: [{ code: 'human_request' }, { code: 'out_of_hours' }] }),
        threshold,
      ),
    ).to.deep.include({ trigger: 'handoff', handoffReasons: ['human_request', 'out_of_hours'] });
    expect(
      await topicJobOf(event('answer.rated', { messageId: 'm1', value: 'down' }), threshold),
    ).to.deep.include({ trigger: 'thumbs_down', messageId: 'm1' });
    expect(await topicJobOf(event('answer.rated', { messageId: 'm1', value: 'up' }), threshold)).to.equal(
      null,
    );
    expect(await topicJobOf(event('message.posted', answer(0.3)), threshold)).to.deep.include({
      trigger: 'low_confidence',
      messageId: 'm1',
    });
    expect(await topicJobOf(event('message.posted', answer(0.9, 0)), threshold)).to.deep.include({
      trigger: 'low_confidence',
    });
    expect(await topicJobOf(event('message.posted', answer(0.9)), threshold)).to.equal(null);
    expect(await topicJobOf(event('conversation.claimed', {}), threshold)).to.equal(null);
  });
});
