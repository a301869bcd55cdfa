import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { detectHumanRequest } from '../../../src/handoff/human-request.js';
import { foldText } from '../../../src/handoff/normalize.js';

interface EvalQuestion {
  id: string;
  question: string;
  kind: 'answerable' | 'out_of_scope' | 'human_request' | 'keyword';
}

const questions: EvalQuestion[] = readFileSync(
  path.resolve(import.meta.dirname, '../../../samples/eval/questions.jsonl'),
  'utf8',
)
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));

describe('asking for a person', () => {
  describe('over the labelled evaluation set (samples/eval)', () => {
    it('recognises every human_request example', () => {
      const examples = questions.filter((q) => q.kind === 'human_request');
      expect(examples.length).to.be.greaterThan(0);
      const missed = examples.filter((q) => !detectHumanRequest(q.question, 'en')).map((q) => q.question);
      expect(missed).to.deep.equal([]);
    });

    it('never fires on an answerable or out-of-scope question (no false handoffs)', () => {
      const others = questions.filter((q) => q.kind === 'answerable' || q.kind === 'out_of_scope');
      expect(others.length).to.be.greaterThan(40);
      const fired = others.filter((q) => detectHumanRequest(q.question, 'en')).map((q) => q.question);
      expect(fired).to.deep.equal([]);
    });
  });

  const english = [
    'talk to a human',
    'Talk to a HUMAN please!!',
    'real person',
    'I want a real person',
    'can someone from support help',
    'Could somebody from IT help me with this?',
    'I need to speak with an agent',
    'speak to someone please',
    'Is there someone I can talk to?',
    'get me a person',
    'connect me with an admin',
    'I would like to talk to support staff',
    'this is useless, not a bot please',
    'please escalate this',
    'call me back',
    'Can’t I just chat with a live agent?',
  ];
  for (const text of english)
    it(`fires on "${text}"`, () => {
      expect(detectHumanRequest(text, 'en')).to.not.equal(null);
    });

  const spanish = [
    'Quiero hablar con una persona',
    'quiero hablar con una PERSONA',
    '¿Puedo hablar con alguien de soporte?',
    'Necesito hablar con un humano',
    'quiero que me atienda una persona',
    'Pásame con un agente por favor',
    '¿Alguien de soporte me puede ayudar?',
    '¿Podría alguien ayudarme?',
    'no quiero hablar con un bot',
    'Quisiera comunicarme con un asesor',
    'atención humana por favor',
  ];
  for (const text of spanish)
    it(`fires on Spanish "${text}"`, () => {
      const match = detectHumanRequest(text, 'es');
      expect(match).to.not.equal(null);
      expect(match?.language).to.equal('es');
    });

  it('checks both languages whatever the launch locale', () => {
    expect(detectHumanRequest('quiero hablar con una persona', 'en')?.language).to.equal('es');
    expect(detectHumanRequest('talk to a human', 'es')?.language).to.equal('en');
  });

  it('ignores accents and case', () => {
    expect(detectHumanRequest('ATENCIÓN HUMANA', 'es')).to.not.equal(null);
    expect(detectHumanRequest('atencion humana', 'es')).to.not.equal(null);
  });

  const ordinary = [
    "How do I get someone's grade changed?",
    'How do I add a TA to my course team?',
    'How do I find someone in my cohort?',
    'Can someone see my posts?',
    'I need an admin account for Studio',
    'How do I get a person’s email address?',
    'How are real numbers graded in problems?',
    'Can anyone enroll in my course?',
    'How do I give a staff member permission to create courses?',
    '¿Cómo cambio mi contraseña?',
    'Necesito ayuda con mi tarea de la semana 3',
    '',
  ];
  for (const text of ordinary)
    it(`does not fire on "${text}"`, () => {
      expect(detectHumanRequest(text, 'en')).to.equal(null);
    });

  it('returns the phrase that showed the request (recorded in the handoff reason)', () => {
    expect(detectHumanRequest('Honestly, I want to talk to a human now', 'en')?.phrase).to.equal(
      'talk to a human',
    );
  });

  it('folds text for matching: accents, case, typographic apostrophes, spaces', () => {
    expect(foldText('  CAN’T   Acceder  ñandú ')).to.equal("can't acceder nandu");
  });
});
