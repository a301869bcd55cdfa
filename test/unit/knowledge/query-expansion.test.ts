import { expect } from 'chai';
import {
  KnowledgeEngine,
  LMS_VOCABULARY,
  lmsVocabulary,
  QueryExpander,
  type SourceDocument,
} from '../../../src/knowledge/index.js';
import { analyze } from '../../../src/knowledge/text-analysis.service.js';

const stemOf = (word: string, language: 'en' | 'es' = 'en') => analyze(word, { language })[0];
const expansionTerms = (expander: QueryExpander, question: string, language: 'en' | 'es' = 'en') =>
  expander.expand(question, language).expansions.map((e) => e.term);

describe('LMS vocabulary', () => {
  const expander = new QueryExpander();

  it('covers the LMS support domain broadly, in English and Spanish', () => {
    expect(LMS_VOCABULARY.length).to.be.within(80, 170);
    expect(LMS_VOCABULARY.filter((g) => (g.es ?? []).length > 0).length).to.be.greaterThan(
      LMS_VOCABULARY.length * 0.9,
    );
  });

  it('a learner who says "sign up for a course" also finds articles about enrolling', () => {
    expect(expansionTerms(expander, 'How do I sign up for a course?')).to.include(stemOf('enroll'));
  });

  it('"sign up for" a course means enrolling, not creating an account (the longer phrase wins)', () => {
    const terms = expansionTerms(expander, 'How do I sign up for the course?');
    expect(terms).to.not.include(stemOf('registration'));
    expect(expansionTerms(expander, 'Where do I sign up?')).to.include(stemOf('registration'));
  });

  it('"stop learners uploading" also searches for prohibiting and submitting', () => {
    const terms = expansionTerms(expander, 'How do we stop learners uploading files?');
    expect(terms).to.include.members([stemOf('prohibit'), stemOf('submission')]);
  });

  it('matches phrases through inflections and filler words ("dropped the course")', () => {
    expect(expansionTerms(expander, 'I dropped the course by mistake')).to.include(stemOf('unenroll'));
  });

  it('a one-way phrase is never added for the word it points to (enroll does not search for "sign")', () => {
    expect(expansionTerms(expander, 'How do I enroll?')).to.not.include(stemOf('sign'));
  });

  it("synonyms weigh less than the learner's own words and stand in for them rather than add to them", () => {
    const { terms, expansions } = expander.expand('How do I get a refund?', 'en');
    const own = terms.find((t) => t.term === stemOf('refund'));
    expect(own?.weight).to.equal(1);
    for (const e of expansions) expect(e.weight).to.be.below(1);
    // The question's word and its synonyms share a group: a passage scores the best of them.
    expect(expansions.every((e) => e.group === own?.group)).to.equal(true);
  });

  it('expands a Spanish question with Spanish words only', () => {
    const terms = expansionTerms(expander, '¿Cómo me inscribo en un curso?', 'es');
    expect(terms).to.include(stemOf('matrícula', 'es'));
    expect(terms).to.not.include(stemOf('enrollment'));
  });

  it('leaves a question alone when it uses no vocabulary word', () => {
    expect(expander.expand('What time does the gym open?', 'en').expansions).to.deep.equal([]);
  });

  it("a tenant's own jargon can be added to the built-in vocabulary", () => {
    const custom = new QueryExpander(lmsVocabulary([{ en: ['learning hub', 'lms'] }]));
    expect(expansionTerms(custom, 'Where is the learning hub?')).to.include(stemOf('lms'));
    expect(expansionTerms(expander, 'Where is the learning hub?')).to.not.include(stemOf('lms'));
  });
});

describe('knowledge engine with the LMS vocabulary', () => {
  const docs: SourceDocument[] = [
    {
      sourceId: 'file-types',
      path: 'prohibiting-submission-of-file-types.md',
      format: 'markdown',
      content:
        '# Prohibiting submission of specified file types\n\nCourse staff can prohibit learners from submitting files of specified types in an assignment.',
    },
    {
      sourceId: 'cohorts',
      path: 'manage-cohorts.md',
      format: 'markdown',
      content:
        '# Manage cohorts\n\nUpload a CSV file to put learners in cohorts. Learners in a cohort see the same discussions.',
    },
    {
      sourceId: 'reimbursement',
      path: 'reimbursements.md',
      format: 'markdown',
      content:
        '# Reimbursements\n\nReimbursements for a verified track are processed within ten business days.',
    },
  ];

  it("finds the article written in the platform's words when the question uses everyday ones", async () => {
    const engine = new KnowledgeEngine();
    await engine.index('t', docs);
    const question = 'How do we stop learners uploading .exe programs?';
    expect(engine.ask('t', question).sources[0]?.sourceId).to.equal('file-types');
    const without = new KnowledgeEngine({ vocabulary: { weight: 0 } });
    await without.index('t', docs);
    expect(without.ask('t', question).sources[0]?.sourceId).to.equal('cohorts');
  });

  it('a question only its synonyms match is still flagged as not covered', async () => {
    const engine = new KnowledgeEngine();
    await engine.index('t', docs);
    const result = engine.ask('t', 'refund?');
    expect(result.sources[0]?.sourceId).to.equal('reimbursement');
    expect(result.notCovered).to.equal(true);
  });

  it('vocabulary groups given to the engine extend the built-in ones', async () => {
    const extended = new KnowledgeEngine({
      vocabulary: { groups: lmsVocabulary([{ en: ['payback', 'reimbursement'] }]) },
    });
    await extended.index('t', docs);
    const builtIn = new KnowledgeEngine();
    await builtIn.index('t', docs);
    expect(extended.ask('t', 'payback').sources[0]?.sourceId).to.equal('reimbursement');
    expect(builtIn.ask('t', 'payback').sources).to.deep.equal([]);
  });
});
