import { z } from 'zod';
import { loadConfig } from '../config/env.js';

let configured: number | undefined;

/**
 * The longest message a person may write (config MESSAGE_MAX_CHARS), read from the process's
 * configuration once: the store, every route's schema and the handoff settings bound use this one value.
 */
export function messageMaxChars(): number {
  configured ??= loadConfig().MESSAGE_MAX_CHARS;
  return configured;
}

/**
 * A text refused above `max` characters (default {@link messageMaxChars}, read when a text is checked,
 * not when the schema is built).
 */
export const withinMessageMax = (text: string, ctx: z.RefinementCtx, max?: number) => {
  const maximum = max ?? messageMaxChars();
  if (text.length > maximum)
    ctx.addIssue({
      code: 'too_big',
      origin: 'string',
      maximum,
      inclusive: true,
      input: text,
      message: `must be at most ${maximum} characters`,
    });
};

/** A number refused above {@link messageMaxChars} (a tenant's learner limit). */
export const atMostMessageMax = (value: number, ctx: z.RefinementCtx) => {
  const maximum = messageMaxChars();
  if (value > maximum)
    ctx.addIssue({
      code: 'too_big',
      origin: 'number',
      maximum,
      inclusive: true,
      input: value,
      message: `must be at most ${maximum} (MESSAGE_MAX_CHARS)`,
    });
};

/** A message text of a route's body: at most `max` characters (default {@link messageMaxChars}). */
export const messageTextSchema = (max?: number) =>
  z.string().superRefine((text, ctx) => withinMessageMax(text, ctx, max));
