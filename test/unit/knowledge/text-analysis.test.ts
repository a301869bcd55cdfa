import { expect } from 'chai';
import { KnowledgeEngine } from '../../../src/knowledge/knowledge-engine.service.js';
import {
  analyze,
  detectLanguage,
  foldText,
  sharesDerivationalStem,
} from '../../../src/knowledge/text-analysis.service.js';

describe('text analysis', () => {
  it('matches words regardless of accents and case', () => {
    expect(foldText('Contraseña ÉXITO')).to.equal('contrasena exito');
  });

  it('matches inflected forms of the same word (enrolled, enrollment, enroll)', () => {
    const [a, b, c] = ['enrolled', 'enrollment', 'enroll'].map((w) => analyze(w, { language: 'en' })[0]);
    expect(a).to.equal(c);
    expect(b).to.equal(c);
  });

  it('ignores filler words in English and Spanish questions', () => {
    expect(analyze('How do I reset my password?')).to.deep.equal(analyze('reset password'));
    expect(analyze('¿Cómo puedo cambiar la contraseña?', { language: 'es' })).to.not.include('la');
  });

  it('recognises a Spanish question', () => {
    expect(detectLanguage('¿Dónde está mi certificado del curso?')).to.equal('es');
    expect(detectLanguage('Where is my course certificate?')).to.equal('en');
  });
});

describe('derivational matching', () => {
  const stem = (word: string) => analyze(word, { language: 'en' })[0] ?? '';

  it('relates a verb in a question to the noun in a title (create courses → course creation)', () => {
    expect(sharesDerivationalStem(stem('create'), stem('creation'))).to.equal(true);
    expect(sharesDerivationalStem(stem('submit'), stem('submission'))).to.equal(true);
    expect(sharesDerivationalStem(stem('register'), stem('registration'))).to.equal(true);
  });

  it('does not relate different words that merely start alike (progress, program; contact, contain)', () => {
    expect(sharesDerivationalStem(stem('progress'), stem('program'))).to.equal(false);
    expect(sharesDerivationalStem(stem('contact'), stem('contain'))).to.equal(false);
    expect(sharesDerivationalStem(stem('grade'), stem('grade'))).to.equal(false);
  });

  it('ranks the article titled with the noun first when the question uses the verb', async () => {
    const docs = [
      {
        sourceId: 'creation',
        path: 'course-creation.md',
        format: 'markdown' as const,
        content: '# Course creation\n\nGrant a staff member course creation rights.',
      },
      {
        sourceId: 'team',
        path: 'course-team.md',
        format: 'markdown' as const,
        content: '# Course team\n\nAdd a staff member to the course team.',
      },
    ];
    const top = async (derivationalWeight: number) => {
      const engine = new KnowledgeEngine({ vocabulary: { weight: 0 }, derivationalWeight });
      await engine.index('t', docs);
      return engine.ask('t', 'let a staff member create courses').sources[0]?.sourceId;
    };
    expect(await top(0.75)).to.equal('creation');
    expect(await top(0)).to.equal('team');
  });
});
