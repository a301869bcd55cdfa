import { foldText, wordBounded } from './normalize.js';

/** A recognised request for a person, with the phrase that showed it. */
export interface HumanRequestMatch {
  phrase: string;
  language: 'en' | 'es';
}

// Patterns run on folded text (lower case, no accents, plain apostrophes). They look for a request
// aimed at a person — a verb of contact plus a human target, or an unmistakable phrase — rather than
// any mention of "staff" or "team", which ordinary how-to questions contain ("add a TA to my course team").
const PERSON = `(?:a |an |the |some |one of the |one of your |your |real |actual |live )*(?:human(?: being)?|person|people|agent|representative|rep|operator|somebody|someone|anyone|anybody|staff(?: member)?|admin(?:istrator)?|supervisor|manager|advisor|adviser|support (?:team|staff|agent|desk|person)|help ?desk|tech support|it support)`;

// "an admin account", "a person's grade": the target word used as a modifier is not a person.
const NOT_A_MODIFIER = String.raw`(?! (?:account|accounts|role|roles|rights|permission|permissions|access|password|panel|page|dashboard|view|tool|tools|login|privileges|settings|console|mode|user|level)\b)`;

// Only unmistakably human targets, for verbs that are common in how-to questions ("get", "bring").
const HUMAN = `(?:a |an |the |real |actual |live )*(?:human(?: being)?|person|agent|representative|operator)`;

const ENGLISH: readonly RegExp[] = [
  // "talk to a human", "speak with someone", "chat with a real person", "connect me with an agent"
  new RegExp(
    wordBounded(
      `(?:talk|speak|chat|connect|put|transfer|forward|escalate|pass|hand)(?: me| this| it| my (?:question|case|issue|problem))?(?: over| through)? (?:to|with) ${PERSON}`,
    ),
    'u',
  ),
  // "get me an admin", "give me a person", "bring in a human"; "i want a human", "i need a real person"
  new RegExp(wordBounded(`(?:get|give|send|bring)(?: me| us)(?: in)? ${PERSON}${NOT_A_MODIFIER}`), 'u'),
  new RegExp(wordBounded(`(?:get|bring)(?: in)? ${HUMAN}${NOT_A_MODIFIER}`), 'u'),
  new RegExp(
    wordBounded(
      `(?:i|we) (?:want|need|would like|'d like|wanna|demand|prefer)(?: to (?:talk|speak|chat) (?:to|with))? ${PERSON}${NOT_A_MODIFIER}`,
    ),
    'u',
  ),
  // "real person", "human being", "live agent", "actual human"
  new RegExp(
    wordBounded(`(?:real|actual|live|human) (?:person|human|agent|being|people|support|operator)`),
    'u',
  ),
  // "can someone from support help", "could somebody call me", "is there someone i can talk to"
  new RegExp(
    wordBounded(
      String.raw`(?:can|could|would|will|may) (?:someone|somebody|anyone|anybody|a person|a human|an admin|an agent|support|the support team|your team)(?: from [\p{L} ]{1,40}?)? (?:help|call|contact|email|reach|get back|look|check|assist|ring|phone|text|respond|reply|answer)`,
    ),
    'u',
  ),
  new RegExp(
    wordBounded(
      String.raw`is (?:there|anyone|anybody|someone|somebody) (?:someone|somebody|anyone|anybody|a person|a human|an admin)?\s?(?:i|we) can (?:talk|speak|chat) (?:to|with)`,
    ),
    'u',
  ),
  // "not a bot", "stop the bot", "no more bots"
  new RegExp(
    wordBounded(
      `(?:not|no|stop|enough|instead of)(?: more)? (?:a |the |this |talking to (?:a |the |this )?)?(?:bots?|robots?|chatbots?)`,
    ),
    'u',
  ),
  // "contact support", "please escalate this", "call me back"
  new RegExp(
    wordBounded(
      `(?:contact|reach|call|email|ring) (?:support|the support team|an admin|the admin|a human|someone|somebody|help ?desk)`,
    ),
    'u',
  ),
  new RegExp(wordBounded(`(?:please )?escalate (?:this|it|my (?:question|case|issue|problem))`), 'u'),
  new RegExp(wordBounded(`call me back`), 'u'),
  new RegExp(
    wordBounded(
      `(?:operator|agent|human|representative) please|please (?:a |an )?(?:human|operator|agent|representative)`,
    ),
    'u',
  ),
];

const SPANISH_PERSON = `(?:una |un |alguna |algun |alguien |la |el |los |las |con |de |del |su |tu )*(?:persona(?: real| de verdad)?|humano|ser humano|agente|asesor(?:a)?|operador(?:a)?|alguien|administrador(?:a)?|admin|soporte(?: tecnico)?|equipo de soporte|personal|encargad[oa]|responsable|tecnico|mesa de ayuda|atencion al cliente)`;

const SPANISH: readonly RegExp[] = [
  // "quiero hablar con una persona", "hablar con un humano", "comunicarme con soporte"
  new RegExp(
    wordBounded(
      `(?:hablar|charlar|conversar|comunicarme|comunicarse|contactar|contactarme|contactarse|ponerme en contacto|chatear)(?: con| a)? ${SPANISH_PERSON}`,
    ),
    'u',
  ),
  // "pasame con un agente", "paseme con una persona", "comuniqueme con alguien"
  new RegExp(
    wordBounded(
      `(?:pasame|paseme|pasenme|comunicame|comuniqueme|conectame|conecteme|transfiereme|transfierame|comuniquenme|ponme|pongame) (?:con|a) ${SPANISH_PERSON}`,
    ),
    'u',
  ),
  // "quiero una persona", "necesito un humano"
  new RegExp(wordBounded(`(?:quiero|necesito|quisiera|prefiero|exijo) ${SPANISH_PERSON}`), 'u'),
  new RegExp(
    wordBounded(`(?:persona real|persona de verdad|ser humano|atencion humana|agente humano|humano real)`),
    'u',
  ),
  // "alguien de soporte me puede ayudar", "puede alguien ayudarme", "me puede llamar alguien"
  new RegExp(
    wordBounded(
      String.raw`alguien(?: de [\p{L} ]{1,40}?)? (?:me |nos )?(?:puede|podria|pueden|podrian) (?:ayudar|llamar|contactar|atender|escribir|responder)`,
    ),
    'u',
  ),
  new RegExp(
    wordBounded(
      String.raw`(?:puede|podria|pueden|podrian) (?:alguien|una persona|un humano|un agente|soporte)(?: de [\p{L} ]{1,40}?)? (?:ayudarme|ayudar|llamarme|contactarme|atenderme|escribirme)`,
    ),
    'u',
  ),
  new RegExp(
    wordBounded(
      `que me (?:atienda|llame|contacte|ayude|escriba) (?:una persona|un humano|alguien|un agente|soporte)`,
    ),
    'u',
  ),
  // "no quiero un bot", "no eres humano", "basta de bot"
  new RegExp(
    wordBounded(
      `(?:no quiero|basta de|no (?:eres|es)) (?:hablar con )?(?:un |el |este |una |la )?(?:bot|robot|maquina|chatbot)`,
    ),
    'u',
  ),
];

/**
 * Whether a message asks for a person, in English or Spanish, whatever the phrasing ("talk to a human",
 * "real person", "can someone from support help", "quiero hablar con una persona"). Both languages are
 * always checked: learners often write in a language other than the launch locale, which only orders
 * the checks.
 */
export function detectHumanRequest(text: string, locale?: string | null): HumanRequestMatch | null {
  const folded = foldText(text);
  if (!folded) return null;
  const spanishFirst = (locale ?? '').toLowerCase().startsWith('es');
  const sets: [readonly RegExp[], 'en' | 'es'][] = spanishFirst
    ? [
        [SPANISH, 'es'],
        [ENGLISH, 'en'],
      ]
    : [
        [ENGLISH, 'en'],
        [SPANISH, 'es'],
      ];
  for (const [patterns, language] of sets) {
    for (const pattern of patterns) {
      const match = pattern.exec(folded);
      if (match) return { phrase: match[0], language };
    }
  }
  return null;
}
