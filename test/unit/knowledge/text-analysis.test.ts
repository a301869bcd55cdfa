import { expect } from 'chai';
import { analyze, detectLanguage, foldText } from '../../../src/knowledge/text-analysis.service.js';

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
