import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import type { Config } from '../config/env.js';
import type { Logger } from '../lib/logger.js';
import { LEAD_THRESHOLD, type LeadIntent, leadIntentOf, scoreLeadCues } from './lead-intent.js';

/** The chat model's judgement of one message. */
export interface LeadJudgement {
  lead: boolean;
  /** 0–1, how sure the model is of `lead`. */
  confidence: number;
}

/** A chat model that judges whether a message is a prospect's enquiry. */
export interface LeadIntentModel {
  /** The model's name, for logs and the eval's mode line. */
  name: string;
  judge(text: string, signal: AbortSignal): Promise<LeadJudgement>;
}

const judgementSchema = z.object({
  lead: z.boolean().describe('true when the writer is a prospective customer of the platform itself'),
  confidence: z.number().min(0).max(1).describe('how sure, 0 to 1'),
});

// The message is the learner's own text: it goes in the user turn, never into these instructions.
const SYSTEM_PROMPT = `You classify one chat message sent to the support assistant of an online learning platform (an LMS).
lead = true when the writer is a prospective customer, or speaks for an organisation, asking about acquiring the platform itself: a demo, pricing or a quote, a trial or pilot, licences or seats, procurement, an RFP, contracts, discounts for an institution, a partnership, or talking to sales.
lead = false when a learner, instructor or administrator asks about their own course or its content: a course's or certificate's price, a demo video or a practice test inside a course, a trial exercise, grades, access, enrolment, receipts, refunds, or anything else.
Messages may be in any language. Reply only with JSON: {"lead": true or false, "confidence": a number from 0 to 1}.`;

/**
 * The chat model from OPENAI_API_KEY / OPENAI_BASE_URL / OPENAI_CHAT_MODEL (as the assistant's), asked
 * for structured output; null without a key. No retries: a check that fails leaves the rules to decide.
 */
export function createLeadIntentModel(
  config: Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_CHAT_MODEL'>,
  options: { timeoutMs?: number } = {},
): LeadIntentModel | null {
  if (!config.OPENAI_API_KEY) return null;
  const name = config.OPENAI_CHAT_MODEL;
  const chat = new ChatOpenAI({
    apiKey: config.OPENAI_API_KEY,
    model: name,
    temperature: 0,
    maxRetries: 0,
    timeout: options.timeoutMs ?? DEFAULT_LEAD_MODEL_TIMEOUT_MS,
    configuration: config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : undefined,
  });
  // Older OpenAI models take no JSON schema; JSON mode (the prompt asks for JSON) works there.
  const legacy = name.startsWith('gpt-3') || name.startsWith('gpt-4-') || name === 'gpt-4';
  const structured = chat.withStructuredOutput(judgementSchema, {
    name: 'lead_intent',
    method: legacy ? 'jsonMode' : 'jsonSchema',
  });
  return {
    name,
    async judge(text, signal) {
      const out = await structured.invoke([new SystemMessage(SYSTEM_PROMPT), new HumanMessage(text)], {
        signal,
      });
      return judgementSchema.parse(out);
    },
  };
}

/** How long a lead check waits for the model before the rules decide alone. */
export const DEFAULT_LEAD_MODEL_TIMEOUT_MS = 3000;

/**
 * Borderline raw cue scores, relative to the threshold, that the model is asked about: from 1.5 below
 * (a weak commercial word alone, a buyer action with no commercial word) to 1 above (a weak commercial
 * word with one supporting cue). Clear messages never wait for a model.
 */
export const LEAD_MODEL_BAND = { below: 1.5, above: 1 } as const;

export interface ClassifyLeadOptions {
  /** A chat model to confirm borderline messages (see {@link createLeadIntentModel}); none: rules only. */
  model?: LeadIntentModel | null;
  timeoutMs?: number;
  logger?: Pick<Logger, 'warn'>;
  /**
   * Asked only for a borderline message, before the model: false when the verdict can change nothing
   * (the chat: a thread already with people), and then the rules decide without the wait.
   */
  modelMatters?: () => Promise<boolean>;
}

/**
 * Whether a message is a prospect's enquiry: the cue rules ({@link detectLeadIntent}), and for a
 * borderline message, when a model is given, the model's structured judgement within `timeoutMs`. On a
 * model failure, a timeout or an unusable reply the rules decide.
 */
export async function classifyLeadIntent(
  text: string,
  options: ClassifyLeadOptions = {},
): Promise<LeadIntent> {
  const cues = scoreLeadCues(text);
  const rules = leadIntentOf(cues);
  const { model } = options;
  if (!model) return rules;
  // Only a message with a commercial word or a buyer action: an organisation or "we" alone ("how do we
  // change the logo for our university?") is a support question and never waits for the model.
  const { raw, commercialCue } = cues;
  const borderline =
    commercialCue &&
    raw >= LEAD_THRESHOLD - LEAD_MODEL_BAND.below &&
    raw < LEAD_THRESHOLD + LEAD_MODEL_BAND.above;
  if (!borderline || (options.modelMatters && !(await options.modelMatters()))) return rules;
  const timeoutMs = options.timeoutMs ?? DEFAULT_LEAD_MODEL_TIMEOUT_MS;
  try {
    const judgement = await model.judge(text, AbortSignal.timeout(timeoutMs));
    const sure = judgement.confidence;
    return {
      lead: judgement.lead,
      // 0.5 and over for a lead, under for not, as sure as the model says it is.
      score: Number((judgement.lead ? 0.5 + sure / 2 : 0.5 - sure / 2).toFixed(3)),
      signals: [...rules.signals, judgement.lead ? 'model: lead' : 'model: not a lead'],
      decidedBy: 'model',
    };
  } catch (error) {
    // The message text stays out of the log (it may hold personal details).
    options.logger?.warn(
      { err: error, model: model.name },
      'lead check by the model failed; the rules decide',
    );
    return rules;
  }
}
