import { expect } from 'chai';
import { KnowledgeEngine } from '../../../src/knowledge/knowledge-engine.service.js';
import { TypoCorrector, withinOneEdit } from '../../../src/knowledge/typo-correction.js';

describe('typo tolerance', () => {
  it('counts one dropped, added, changed or swapped letter as one edit, and no more', () => {
    expect(withinOneEdit('password', 'pasword')).to.equal(true);
    expect(withinOneEdit('password', 'passwword')).to.equal(true);
    expect(withinOneEdit('password', 'passwerd')).to.equal(true);
    expect(withinOneEdit('password', 'psasword')).to.equal(true);
    expect(withinOneEdit('password', 'pswrd')).to.equal(false);
    expect(withinOneEdit('grade', 'trade')).to.equal(true);
    expect(withinOneEdit('grade', 'grease')).to.equal(false);
  });

  it('corrects only terms the index has never seen, and only to terms it has', () => {
    const vocabulary = ['certif', 'assign', 'password', 'cohort'];
    const corrector = new TypoCorrector({ vocabularyVersion: 1, vocabulary: () => vocabulary });
    expect(corrector.corrections('pasword')).to.deep.equal(['password']);
    expect(corrector.corrections('password')).to.deep.equal([]);
    expect(corrector.corrections('cohrot')).to.deep.equal(['cohort']);
    expect(corrector.corrections('zebra')).to.deep.equal([]);
    // Short terms are too ambiguous to correct.
    expect(corrector.corrections('asig')).to.deep.equal([]);
  });

  it('finds every index term one edit away, among thousands, and learns terms the index adds later', () => {
    const vocabulary = Array.from({ length: 5000 }, (_, i) => `term${i.toString(36)}word`);
    vocabulary.push('grades', 'grader', 'trades');
    const source = { vocabularyVersion: 1, vocabulary: () => vocabulary };
    const corrector = new TypoCorrector(source);
    expect(corrector.corrections('gradez').sort()).to.deep.equal(['grader', 'grades']);
    expect(corrector.corrections('rgades')).to.deep.equal(['grades']);
    expect(corrector.corrections('gades')).to.deep.equal(['grades']);
    expect(corrector.corrections('graades')).to.deep.equal(['grades']);
    expect(corrector.corrections('webcams')).to.deep.equal([]);
    vocabulary.push('webcam');
    source.vocabularyVersion = 2;
    expect(corrector.corrections('webcams')).to.deep.equal(['webcam']);
  });

  it('keeps what it learned when the index adds terms, and reads a vocabulary that shrank afresh', () => {
    let vocabulary = ['grades', 'webcam', 'quizzes'];
    const source = { vocabularyVersion: 1, vocabulary: () => vocabulary };
    const corrector = new TypoCorrector(source);
    expect(corrector.corrections('gradez')).to.deep.equal(['grades']);
    vocabulary.push('gradex');
    source.vocabularyVersion = 2;
    expect(corrector.corrections('gradez').sort()).to.deep.equal(['grades', 'gradex']);
    expect(corrector.corrections('webcamm')).to.deep.equal(['webcam']);
    vocabulary = ['rubric'];
    source.vocabularyVersion = 3;
    expect(corrector.corrections('gradez')).to.deep.equal([]);
    expect(corrector.corrections('rubrik')).to.deep.equal(['rubric']);
  });

  it('finds the article a misspelt question is about', async () => {
    const engine = new KnowledgeEngine({ vocabulary: { weight: 0 } });
    await engine.index('t', [
      {
        sourceId: 'certificates',
        format: 'markdown',
        content: '# Download your certificate\n\nOpen the Progress page and select Download certificate.',
      },
      {
        sourceId: 'discussions',
        format: 'markdown',
        content: '# Post in the discussion forum\n\nOpen the Discussion tab and select Add a post.',
      },
    ]);
    const result = engine.ask('t', 'where do i downlaod my certficate');
    expect(result.sources[0]?.sourceId).to.equal('certificates');
  });
});
