import { expect } from 'chai';
import {
  detectLeadIntent,
  LEAD_THRESHOLD,
  leadScore,
  scoreLeadCues,
} from '../../../src/leads/lead-intent.js';

// Written for these tests, in the kinds the shared sets hold but none of their messages: a prospect
// asking about the product, and a learner using the same words about their own course.
const prospects: Record<string, string[]> = {
  en: [
    'Could your team show us the product before our board meeting next month?',
    "I'm the head of IT at a secondary school, could we set this up for all our teachers?",
    'We are a chain of language schools, what would a licence for all 12 sites cost?',
    'Is a free trial available for a small college?',
    'Who do I send our RFP to?',
    'Our faculty of medicine wants to buy this for 2,000 residents. Can sales get in touch?',
    'We need a quote before the end of the fiscal year',
    "I'd love to see a demo, I run training at a logistics company",
    'What plans do you have for universities, and is there an education discount?',
  ],
  es: [
    '¿Nos pueden hacer una demo para el departamento de formación?',
    'Queremos comprar licencias para nuestros 800 empleados, ¿quién nos atiende?',
    '¿Cuál es el precio para una universidad con tres sedes?',
    'Nuestra escuela quiere contratar la plataforma el próximo año, ¿hay periodo de prueba?',
    'Necesitamos un presupuesto y una propuesta para nuestra empresa',
    'Soy la directora de un instituto y queremos contratarla para el próximo curso escolar',
  ],
  'pt/fr': [
    'Gostaríamos de um orçamento para a nossa escola',
    'Nous évaluons des plateformes pour notre université, pouvez-vous nous envoyer vos tarifs ?',
  ],
};

const lookAlikes: Record<string, string[]> = {
  en: [
    'How much is the certificate for the data science course?',
    'The demo in lesson 5 does not load',
    'Is the practice test free for audit learners?',
    'I failed the trial quiz in week 2, can I retake it?',
    'What is the fee to upgrade my course to verified?',
    'Where do I find the demonstration video for module 3?',
    'Can I get a discount on my certificate?',
    'Our study group cannot open the shared assignment',
    'I bought the course last week and cannot see the content',
    'How do I reset my password?',
    'Can I use this tool for my assignment?',
    'The platform logged me out during the quiz',
  ],
  es: [
    '¿Cuánto cuesta el certificado verificado?',
    'El video de demostración del módulo 4 no se reproduce',
    'No encuentro la prueba de práctica de la semana 2',
    '¿Cuál es el precio del libro de este curso?',
    'Mi empresa me pagó el curso, ¿cómo obtengo la factura?',
  ],
};

describe('lead intent detection', () => {
  it('tells a quotation from a text from a price quote', () => {
    expect(detectLeadIntent('How do I cite a quote from the reading in my essay?').lead).to.equal(false);
    expect(detectLeadIntent('Can we get a quote for 300 seats for our college?').lead).to.equal(true);
  });

  for (const [language, messages] of Object.entries(prospects)) {
    it(`calls prospects' enquiries leads (${language})`, () => {
      const missed = messages.filter((m) => !detectLeadIntent(m).lead);
      expect(missed).to.deep.equal([]);
    });
  }

  for (const [language, messages] of Object.entries(lookAlikes)) {
    it(`does not call learners' look-alikes leads (${language})`, () => {
      const called = messages.filter((m) => detectLeadIntent(m).lead);
      expect(called).to.deep.equal([]);
    });
  }

  it('is accent- and case-insensitive', () => {
    const a = detectLeadIntent('¿PODRÍAN ENVIARNOS UNA COTIZACIÓN PARA NUESTRA UNIVERSIDAD?');
    const b = detectLeadIntent('podrian enviarnos una cotizacion para nuestra universidad');
    expect(a.lead).to.equal(true);
    expect(a.score).to.equal(b.score);
  });

  it('takes a commercial word next to course content back, and says so', () => {
    const demo = detectLeadIntent('Can I get a demo video of the lab?');
    expect(demo.lead).to.equal(false);
    expect(demo.signals).to.include('demo (course content)');
    // The same word about the product is a lead.
    expect(detectLeadIntent('Can I get a demo of the platform?').lead).to.equal(true);
  });

  it('needs more than a weak commercial word: a price alone is not a lead, a price for an organisation is', () => {
    expect(detectLeadIntent('How much does it cost?').lead).to.equal(false);
    expect(detectLeadIntent('How much does it cost for our district of 40 schools?').lead).to.equal(true);
  });

  it('never calls a message without a commercial word or a buyer for an organisation a lead', () => {
    const cues = scoreLeadCues('Our company and our 3 campuses use this platform every day');
    expect(cues.gate).to.equal(false);
    expect(detectLeadIntent('Our company and our 3 campuses use this platform every day').lead).to.equal(
      false,
    );
  });

  it('reports what it saw: the commercial cue, the organisation and its size', () => {
    const intent = detectLeadIntent('Pricing for our university with 20,000 students?');
    expect(intent.signals).to.include.members(['pricing', 'own organisation', 'organisation size']);
    expect(intent.decidedBy).to.equal('rules');
  });

  it('scores 0–1, 0.5 at the threshold, and never above 0.2 without a commercial cue', () => {
    expect(leadScore({ raw: LEAD_THRESHOLD, gate: true })).to.equal(0.5);
    expect(leadScore({ raw: LEAD_THRESHOLD + 3, gate: true })).to.be.greaterThan(0.95);
    expect(leadScore({ raw: LEAD_THRESHOLD + 3, gate: false })).to.equal(0.2);
    for (const text of ['', '   ', 'hello']) {
      const intent = detectLeadIntent(text);
      expect(intent.lead).to.equal(false);
      expect(intent.score).to.be.within(0, 0.2);
    }
  });
});
