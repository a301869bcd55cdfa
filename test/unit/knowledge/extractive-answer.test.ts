import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { groundingSystemPrompt } from '../../../src/assistant/grounding-prompt.js';
import {
  ANSWER_LOCALES,
  answerStrings,
  detectAnswerLanguage,
} from '../../../src/knowledge/answer-strings.catalog.js';
import {
  type AnswerPassage,
  buildExtractiveAnswer,
  SECTION_MARKER,
  shortAnswer,
  splitAnswerText,
} from '../../../src/knowledge/extractive-answer.service.js';

const words = (text: string) => text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;

function passage(text: string, fields: Partial<AnswerPassage> = {}): AnswerPassage {
  return {
    chunkId: `${fields.sourceId ?? 'account.md'}#${fields.ordinal ?? 0}`,
    sourceId: 'account.md',
    title: 'Managing Your Account',
    heading: 'Reset Your Password',
    path: 'account.md',
    ordinal: 0,
    text,
    ...fields,
  };
}

// Eight steps, two of them with an indented paragraph: well over 120 words, and one procedure.
const STEPS = [
  'Open the sign-in page of the learning platform in your browser.',
  'Under the **Password** field, select **Forgot password**.\n\n   A form asks for the email address of your account.',
  'Enter the email address that you registered with and select **Send**.',
  'Open the message that arrives in your inbox within a few minutes; check the spam folder if it does not.',
  'Select the reset link in the message. The link works for one day only.\n\n   If it has expired, start again from the first step.',
  'Enter a new password twice. It must have at least eight characters, one of them a number.',
  'Select **Save password** to keep the new password.',
  'Sign in again with your email address and the new password.',
];
const PROCEDURE = [
  'Your password protects your grades, certificates and messages, so choose one you do not use elsewhere.',
  'If you forgot your password, you can reset it yourself. To reset your password, follow these steps.',
  STEPS.map((step, i) => `${i + 1}. ${step}`).join('\n\n'),
  '**Note:** Administrators cannot see or send you your password.',
].join('\n\n');

describe('extractive answers: the short answer', () => {
  it('keeps a numbered procedure whole, with its lead-in, even past the length cap', () => {
    const answer = shortAnswer(PROCEDURE, 'How do I reset my password?');
    expect(words(answer)).to.be.greaterThan(120);
    expect(answer.startsWith('To reset your password, follow these steps.')).to.equal(true);
    let at = -1;
    for (let i = 1; i <= STEPS.length; i++) {
      const next = answer.indexOf(`${i}. `, at + 1);
      expect(next, `step ${i} in order`).to.be.greaterThan(at);
      at = next;
    }
    expect(answer).to.contain('If it has expired, start again from the first step.');
    expect(answer).to.contain('Sign in again with your email address and the new password.');
    expect(answer).not.to.contain('Administrators cannot see');
  });

  it('never stops inside a list even when its items are separated by blank lines and the cap is small', () => {
    const answer = shortAnswer(PROCEDURE, 'How do I reset my password?', { maxWords: 20 });
    expect(answer).to.contain('1. Open the sign-in page');
    expect(answer).to.contain('8. Sign in again');
  });

  const FAQ = [
    'Certificates are issued two days after the course end date.',
    'The progress page lists your score on every graded assignment.',
    'You can change the language of the platform on the Account Settings page.',
    'Discussion posts can be edited for thirty minutes after you publish them.',
    'Videos can be downloaded from the mobile app to watch offline.',
    'Timed exams cannot be paused once the timer has started.',
  ].join(' ');

  it('picks the sentence that answers the question, not the section from its start', () => {
    expect(shortAnswer(FAQ, 'When do I get my certificate?')).to.equal(
      'Certificates are issued two days after the course end date.',
    );
    expect(shortAnswer(FAQ, 'can I pause a timed exam?')).to.equal(
      'Timed exams cannot be paused once the timer has started.',
    );
    const language = shortAnswer(FAQ, 'how to change the platform language');
    expect(language).to.contain('You can change the language of the platform');
    expect(language).not.to.contain('Certificates');
  });

  it('takes along the sentence a chosen sentence leans on', () => {
    const text =
      'Cohorts group the learners of a course. Each learner belongs to exactly one cohort. This assignment happens when a learner enrols, and it can be changed by the course team later.';
    const answer = shortAnswer(text, 'when is the assignment made?');
    expect(answer).to.contain('This assignment happens when a learner enrols');
    expect(answer).to.contain('Each learner belongs to exactly one cohort.');
  });

  it('stays within about 120 words and three sentences when every sentence matches', () => {
    const long = Array.from(
      { length: 20 },
      (_, i) =>
        `Grades for assignment number ${i + 1} appear on the progress page after the course team publishes them, and learners see grades there for every graded subsection too.`,
    ).join(' ');
    const answer = shortAnswer(long, 'where do grades appear on the progress page?');
    expect(words(answer)).to.be.at.most(120);
    expect(answer.match(/Grades for assignment/g)?.length ?? 0).to.be.within(1, 3);
  });

  it('cuts a single overlong sentence at the hard cap, but never a list of steps', () => {
    const sentence = `The certificate ${Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ')}.`;
    const cut = shortAnswer(sentence, 'certificate');
    expect(words(cut)).to.be.at.most(201);
    expect(cut.endsWith(' …')).to.equal(true);
    const steps = Array.from(
      { length: 40 },
      (_, i) => `${i + 1}. Select the certificate option number ${i + 1} on the page.`,
    );
    expect(shortAnswer(steps.join('\n'), 'How do I select the certificate?')).to.contain('40. Select');
  });

  it('shows one item of a reference list (terms and their descriptions), not the whole list', () => {
    const text = [
      'Only the controls that apply to a video are shown.',
      [
        '1. **Play/pause**: You can play the video by selecting this control.',
        '2. **Volume**: You can use this control to change the volume of the video.',
        '3. **Show or hide closed captioning**: You can show an overlaid transcript of the audio by selecting this control.',
        '4. **Speed**: You can select different playback speeds using this control.',
      ].join('\n'),
    ].join('\n\n');
    const answer = shortAnswer(text, 'How do I turn on closed captioning?');
    expect(answer).to.contain('Show or hide closed captioning');
    expect(answer).not.to.contain('Volume');
  });

  it('answers from the matching table row, never from a header row alone', () => {
    const text = [
      'Configure the tab as per the following table:',
      '| Setting | Guidance |\n|---|---|\n| Deep linking | Lets course teams pick content from the tool. |\n| Launch URL | The address of the tool activity. |',
    ].join('\n\n');
    expect(shortAnswer(text, 'what is the launch URL setting?')).to.equal(
      '| Launch URL | The address of the tool activity. |',
    );
    expect(shortAnswer(text, 'how do I configure the tab?')).not.to.contain('| Setting | Guidance |');
  });

  it('with no word in common (another language), gives the section’s steps', () => {
    const answer = shortAnswer(PROCEDURE, '¿Qué hago si olvidé la clave?', { crossLanguage: true });
    expect(answer).to.contain('1. Open the sign-in page');
    expect(answer).to.contain('8. Sign in again');
  });
});

describe('extractive answers: framing', () => {
  const section = passage(PROCEDURE);
  const otherSection = passage('Administrators configure the password policy of the whole site.', {
    heading: 'Password Policy',
    ordinal: 3,
  });
  const otherArticle = passage('Sign in with your institution account.', {
    sourceId: 'sso.md',
    title: 'Single Sign-On',
    heading: '',
    path: 'sso.md',
  });

  it('in English: "From: <title> › <section> [1]", the short answer, then the whole section; other articles cited', () => {
    const answer = buildExtractiveAnswer([section, otherSection, otherArticle], {
      question: 'Can an administrator send me my password?',
      locale: 'en',
    });
    const parts = splitAnswerText(answer.text);
    expect(parts.shown).to.equal(
      [
        'From: Managing Your Account › Reset Your Password [1]',
        '',
        '**Note:** Administrators cannot see or send you your password.',
      ].join('\n'),
    );
    expect(parts.section).to.deep.equal({ label: 'Show the whole section', text: PROCEDURE });
    // The matching section only: another section of the same article is neither answer nor section.
    expect(answer.text).not.to.contain('password policy');
    expect(answer.citations.map((c) => c.title)).to.deep.equal(['Managing Your Account', 'Single Sign-On']);
  });

  it('shows the source line with the section heading, not the whole heading path', () => {
    const nested = passage('Select **Forgot password** on the sign-in page.', {
      heading: 'Signing In > Reset Your Password',
    });
    const answer = buildExtractiveAnswer([nested], { question: 'forgot password', locale: 'en' });
    expect(answer.text).to.contain('From: Managing Your Account › Reset Your Password [1]');
    // The short answer is the whole section: nothing more to show.
    expect(answer.text).not.to.contain(SECTION_MARKER);
  });

  const cases = [
    {
      language: 'Spanish',
      question: '¿Cómo puedo restablecer mi contraseña? No me llega el correo.',
      says: 'Esto dice la guía (en inglés):',
      from: 'De: Managing Your Account › Reset Your Password [1]',
      whole: 'Ver la sección completa',
    },
    {
      language: 'Portuguese',
      question: 'Como faço para redefinir a minha senha? Não recebo o e-mail.',
      says: 'Isto é o que diz o guia (em inglês):',
      from: 'Fonte: Managing Your Account › Reset Your Password [1]',
      whole: 'Ver a seção completa',
    },
    {
      language: 'French',
      question: 'Comment je peux réinitialiser mon mot de passe ? Je ne reçois pas le courriel.',
      says: 'Voici ce que dit le guide (en anglais)\u00a0:',
      from: 'Source\u00a0: Managing Your Account › Reset Your Password [1]',
      whole: 'Afficher toute la section',
    },
  ];
  for (const c of cases) {
    it(`a ${c.language} question over an English guide says so in ${c.language} before the passage`, () => {
      // The UI is in English: the learner's language is the question's.
      const answer = buildExtractiveAnswer([section], { question: c.question, locale: 'en' });
      const parts = splitAnswerText(answer.text);
      expect(parts.shown.startsWith(`${c.from}\n\n${c.says}\n\nTo reset your password`)).to.equal(true);
      expect(parts.shown).to.contain('8. Sign in again');
      expect(parts.section?.label).to.equal(c.whole);
    });
  }

  it('an English question gets no language line; the UI locale frames a question of no clear language', () => {
    const english = buildExtractiveAnswer([section], {
      question: 'How do I reset my password?',
      locale: 'es',
    });
    expect(
      english.text.startsWith('From: Managing Your Account › Reset Your Password [1]\n\nTo reset'),
    ).to.equal(true);
    const bare = buildExtractiveAnswer([section], { question: 'password reset', locale: 'es-MX' });
    expect(
      bare.text.startsWith('De: Managing Your Account › Reset Your Password [1]\n\nEsto dice la guía'),
    ).to.equal(true);
  });

  it('never takes a Markdown rule in a model’s answer for the whole section', () => {
    const model = 'Open the Progress page [1].\n\n---\nYour grade is shown at the top [1].';
    expect(splitAnswerText(model)).to.deep.equal({ shown: model });
  });

  it('the chat page knows every language’s "Show the whole section" label', () => {
    const page = readFileSync(new URL('../../../public/js/chat.js', import.meta.url), 'utf8');
    for (const locale of ANSWER_LOCALES) expect(page).to.contain(`'${answerStrings(locale).wholeSection}'`);
  });

  it('says "not covered" in the question’s language', () => {
    expect(
      buildExtractiveAnswer([], { question: 'Onde fica o estacionamento?', locale: 'en' }).text,
    ).to.equal(answerStrings('pt').notCovered);
    expect(
      buildExtractiveAnswer([], { question: 'Où est le parking pour les étudiants ?', locale: 'en' }).text,
    ).to.equal(answerStrings('fr').notCovered);
  });

  it('tells English, Spanish, Portuguese and French apart, and says nothing when a text gives no sign', () => {
    expect(detectAnswerLanguage('How do I download my certificate?')).to.equal('en');
    expect(detectAnswerLanguage('¿dónde descargo mi certificado?')).to.equal('es');
    expect(detectAnswerLanguage('onde eu baixo o meu certificado? não aparece')).to.equal('pt');
    expect(detectAnswerLanguage('où est mon certificat ? je ne le trouve pas')).to.equal('fr');
    expect(detectAnswerLanguage('download certificate')).to.equal(null);
  });
});

describe('model answers: language and citations', () => {
  it('answers in the language of the question and cites only the passages it was given', () => {
    const prompt = groundingSystemPrompt('pt-BR');
    expect(prompt).to.match(
      /Answer in Portuguese, unless the learner's question is written in another language/,
    );
    expect(prompt).to.match(/answer in the language of the question/);
    expect(prompt).to.match(/Cite only the numbers of the passages you were given/);
    expect(groundingSystemPrompt('fr')).to.match(/Answer in French/);
  });
});
