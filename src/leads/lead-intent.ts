import { foldText, wordBounded } from '../handoff/normalize.js';
import {
  BUYER_ACTION,
  type Cue,
  DECISION_MAKER,
  LEARNER_CONTEXT,
  NOT_LEARNER_CONTEXT,
  ORGANISATION,
  OWNER,
  PLURAL_VOICE,
  PRODUCT,
  SCALE,
  STOPWORDS,
  STRONG_COMMERCIAL,
  VENDOR_ADDRESS,
  WEAK_COMMERCIAL,
} from './lead-cues.js';

/**
 * Sales or prospect intent in a chat message ("can I get a demo", "pricing for our university"), told
 * apart from look-alikes a learner writes (a course's price, a certificate fee, a demo video in a lesson).
 */
export interface LeadIntent {
  /** The message is a prospect's enquiry: the thread goes to sales, never into the admin inbox. */
  lead: boolean;
  /** How sure the detector is, 0–1. */
  score: number;
  /** What it saw (for the Leads page and for tests), e.g. ['demo', 'organisation size']. */
  signals: string[];
  /** Who decided: the cue rules alone, or the chat model asked about a borderline message. */
  decidedBy?: 'rules' | 'model';
}

/** Weights of the cue families (see {@link scoreLeadCues}); a message is a lead at {@link LEAD_THRESHOLD}. */
export const LEAD_WEIGHTS = {
  strongCommercial: 3,
  weakCommercial: 2,
  /** Each further distinct commercial cue, up to {@link LEAD_WEIGHTS.moreCommercialMax}. */
  moreCommercial: 0.5,
  moreCommercialMax: 1,
  buyerAction: 1.5,
  ownedOrganisation: 1.5,
  organisation: 1,
  scale: 1,
  vendorAddress: 1,
  /** The product itself named ("this platform", "la plataforma"), apart from "your …" (vendor address). */
  product: 1,
  pluralVoice: 0.5,
  learnerContext: 1,
  /** "my course", "this lesson": the learner's own context counts more. */
  personalLearnerContext: 1.5,
  learnerContextMax: 3,
} as const;

/** Raw cue score at which a message is a lead (the sum of the weights above). */
export const LEAD_THRESHOLD = 3;

/**
 * A commercial word this close to learner context (at most this many content words between them) is
 * about course content: "demo video", "the price of the textbook", "certificate … cost".
 */
const BINDING_GAP = 1;

/** Longest text scored (chat messages are at most 4000 characters). */
const MAX_TEXT = 4000;

interface Span {
  signal: string;
  start: number;
  end: number;
}

const compile = (pattern: string) => new RegExp(wordBounded(pattern), 'gu');
const compileCues = (cues: readonly Cue[]) =>
  cues.map((c) => ({ signal: c.signal, regex: compile(c.pattern) }));

const STRONG = compileCues(STRONG_COMMERCIAL);
const WEAK = compileCues(WEAK_COMMERCIAL);
const BUYER = compileCues(BUYER_ACTION);
// An organisation, or a person who buys for one ("the head of IT", "our dean").
const ORGANISATION_ANY = `${ORGANISATION}|${DECISION_MAKER}`;
const ORGANISATION_RE = compile(ORGANISATION_ANY);
// "our university", "for my team", "somos una ONG", "I'm with procurement at Northbridge University".
const OWNED_ORGANISATION_RE = compile(
  String.raw`(?:${OWNER}|we're|we are|somos|nous sommes|i'm|i am|i work (?:at|for)|soy|trabajo (?:en|para)|sou|trabalho (?:na|no|em|para)|je suis) (?:[\p{L}\p{N}-]+ ){0,3}?(?:${ORGANISATION_ANY})`,
);
const PLURAL_VOICE_RE = compile(PLURAL_VOICE);
const SCALE_RE = compile(SCALE);
const VENDOR_RE = compile(VENDOR_ADDRESS);
const PRODUCT_RE = compile(PRODUCT);
const LEARNER_RE = compile(LEARNER_CONTEXT);
const NOT_LEARNER_RE = compile(NOT_LEARNER_CONTEXT);
// The learner's own: "my course", "this lesson", "mi curso", "ce cours".
const PERSONAL_RE =
  /(?:^|[^\p{L}\p{N}_])(?:my|this|mi|mis|este|esta|deste|desta|meu|minha|mon|ma|mes|ce|cette) $/u;
// Words that are nouns in learner talk and verbs in a buyer's ("to book a walkthrough", "we'd like to
// test the platform", "can we track usage"): after "to", a modal or a subject pronoun they are verbs.
const VERB_POSITION_RE =
  /(?:^|[^\p{L}\p{N}_])(?:to|i|we|you|they|can|could|will|would|should|please|let's|lets) $/u;
// An organisation's own courses ("our courses", "nuestros cursos") are institution talk, not a learner's.
const INSTITUTION_OWNED_RE =
  /(?:^|[^\p{L}\p{N}_])(?:our|their|nuestr[oa]s?|nossa|nosso|nossas|nossos|notre|nos) $/u;

function spans(text: string, regex: RegExp, signal: string): Span[] {
  return [...text.matchAll(regex)].map((m) => ({ signal, start: m.index, end: m.index + m[0].length }));
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

/** The message's words with their positions, and whether each counts when measuring closeness. */
function words(text: string): { start: number; end: number; content: boolean }[] {
  return [...text.matchAll(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    content: !STOPWORDS.has(m[0]),
  }));
}

/** Content words strictly between two non-overlapping spans. */
function gapBetween(tokens: ReturnType<typeof words>, a: Span, b: Span): number {
  const [first, second] = a.start < b.start ? [a, b] : [b, a];
  return tokens.filter((t) => t.content && t.start >= first.end && t.end <= second.start).length;
}

/** Every cue the scorer saw, with the raw score: the detector's evidence, before any threshold. */
export interface LeadCueScore {
  raw: number;
  /** Something commercial or a buyer speaking for an organisation: without it, never a lead. */
  gate: boolean;
  /** A commercial word or a buyer action outside course content (what a model check needs to look at). */
  commercialCue: boolean;
  signals: string[];
}

/**
 * Scores the cue families over folded text (case- and accent-insensitive, so one lexicon serves
 * "demostración" and "demostracion"): commercial words (strong ones alone make a lead, weak ones need
 * support), buyer actions, the organisation and its size, plural voice, and the vendor addressed as
 * seller, against the learner's own context (course, lesson, exam, certificate…). Commercial words and
 * buyer actions sitting next to learner context are about course content and do not count.
 */
export function scoreLeadCues(text: string): LeadCueScore {
  const folded = foldText(text).slice(0, MAX_TEXT);
  const w = LEAD_WEIGHTS;
  const signals: string[] = [];
  if (!folded) return { raw: 0, gate: false, commercialCue: false, signals };
  const tokens = words(folded);

  const strong = STRONG.flatMap((c) => spans(folded, c.regex, c.signal));
  const weak = WEAK.flatMap((c) => spans(folded, c.regex, c.signal)).filter(
    (s) => !strong.some((t) => overlaps(s, t)),
  );
  const buyer = BUYER.flatMap((c) => spans(folded, c.regex, c.signal)).filter(
    (s) => !strong.some((t) => overlaps(s, t)),
  );
  const commercialOrBuyer = [...strong, ...weak, ...buyer, ...spans(folded, NOT_LEARNER_RE, 'other sense')];

  // Learner context, except words that are part of a commercial phrase ("prueba gratuita") or of a phrase
  // in another sense ("curso escolar"), an
  // organisation's own courses ("our courses") and words used as verbs ("to book").
  const learner = spans(folded, LEARNER_RE, 'learner').filter(
    (s) =>
      !commercialOrBuyer.some((c) => overlaps(s, c)) &&
      !INSTITUTION_OWNED_RE.test(folded.slice(Math.max(0, s.start - 12), s.start)) &&
      !VERB_POSITION_RE.test(folded.slice(Math.max(0, s.start - 10), s.start)),
  );
  const bound = (s: Span) => learner.some((l) => gapBetween(tokens, s, l) <= BINDING_GAP);
  const unbound = (list: Span[]) => {
    const free = list.filter((s) => !bound(s));
    for (const s of list) if (bound(s)) signals.push(`${s.signal} (course content)`);
    return free;
  };
  const strongFree = unbound(strong);
  const weakFree = unbound(weak);
  const buyerFree = unbound(buyer);

  let raw = 0;
  const commercialSignals = [...new Set([...strongFree, ...weakFree].map((s) => s.signal))];
  if (commercialSignals.length > 0) {
    raw += strongFree.length > 0 ? w.strongCommercial : w.weakCommercial;
    raw += Math.min(w.moreCommercialMax, (commercialSignals.length - 1) * w.moreCommercial);
    signals.push(...commercialSignals);
  }
  const buyerSignals = [...new Set(buyerFree.map((s) => s.signal))];
  if (buyerSignals.length > 0) {
    raw += w.buyerAction;
    signals.push(...buyerSignals);
  }
  let organisation = false;
  if (spans(folded, OWNED_ORGANISATION_RE, 'organisation').length > 0) {
    raw += w.ownedOrganisation;
    organisation = true;
    signals.push('own organisation');
  } else if (spans(folded, ORGANISATION_RE, 'organisation').length > 0) {
    raw += w.organisation;
    organisation = true;
    signals.push('organisation');
  }
  const scale = spans(folded, SCALE_RE, 'scale').length > 0;
  if (scale) {
    raw += w.scale;
    signals.push('organisation size');
  }
  const vendorSpans = spans(folded, VENDOR_RE, 'vendor');
  const vendor = vendorSpans.length > 0;
  if (vendor) {
    raw += w.vendorAddress;
    signals.push('asks the vendor');
  }
  const product = spans(folded, PRODUCT_RE, 'product').some(
    (s) => !vendorSpans.some((v) => overlaps(s, v)) && !bound(s),
  );
  if (product) {
    raw += w.product;
    signals.push('the product itself');
  }
  if (spans(folded, PLURAL_VOICE_RE, 'plural').length > 0) {
    raw += w.pluralVoice;
    signals.push('speaks as we');
  }
  if (learner.length > 0) {
    let penalty = 0;
    const seen = new Set<string>();
    for (const l of learner) {
      const word = folded.slice(l.start, l.end);
      if (seen.has(word)) continue;
      seen.add(word);
      const personal = PERSONAL_RE.test(folded.slice(Math.max(0, l.start - 8), l.start));
      penalty += personal ? w.personalLearnerContext : w.learnerContext;
    }
    raw -= Math.min(w.learnerContextMax, penalty);
    signals.push(`learner context: ${[...seen].join(', ')}`);
  }
  const gate =
    commercialSignals.length > 0 || (buyerSignals.length > 0 && (organisation || scale || vendor || product));
  const commercialCue = commercialSignals.length > 0 || buyerSignals.length > 0;
  return { raw, gate, commercialCue, signals: [...new Set(signals)] };
}

/** The 0–1 score of a raw cue score: 0.5 at the threshold, steeper near it. */
export function leadScore(cues: Pick<LeadCueScore, 'raw' | 'gate'>): number {
  const s = 1 / (1 + Math.exp(-1.5 * (cues.raw - LEAD_THRESHOLD)));
  // Without a commercial cue or a buyer for an organisation, never above "unlikely".
  return Number((cues.gate ? s : Math.min(s, 0.2)).toFixed(3));
}

/**
 * Whether a message is a prospect's enquiry, by the cue rules alone (synchronous, no I/O): see
 * {@link scoreLeadCues}. For a model check of borderline messages use `classifyLeadIntent`
 * (lead-intent-model.ts).
 */
export function detectLeadIntent(text: string): LeadIntent {
  return leadIntentOf(scoreLeadCues(text));
}

/** The rules' verdict on cues already scored (the model check scores a message once). */
export function leadIntentOf(cues: LeadCueScore): LeadIntent {
  return {
    lead: cues.gate && cues.raw >= LEAD_THRESHOLD,
    score: leadScore(cues),
    signals: cues.signals,
    decidedBy: 'rules',
  };
}
