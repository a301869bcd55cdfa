import { z } from 'zod';

/**
 * Config MESSAGE_MAX_CHARS's default. Only readers that never look at a tenant's learner limit (a topic
 * filter reading thresholds, rule administration) build handoff settings with it; the product's processes
 * pass their configured value.
 */
export const DEFAULT_MESSAGE_MAX_CHARS = 4000;

/**
 * A text refused above `max` characters (config MESSAGE_MAX_CHARS, given by the caller: routes, the store
 * and the handoff settings bound all use the process's one value).
 */
export const withinMessageMax = (text: string, ctx: z.RefinementCtx, max: number) => {
  if (text.length > max)
    ctx.addIssue({
      code: 'too_big',
      origin: 'string',
      maximum: max,
      inclusive: true,
      input: text,
      message: `must be at most ${max} characters`,
    });
};

/** A number refused above `max` (config MESSAGE_MAX_CHARS): a tenant's learner limit. */
export const atMostMessageMax = (max: number) => (value: number, ctx: z.RefinementCtx) => {
  if (value > max)
    ctx.addIssue({
      code: 'too_big',
      origin: 'number',
      maximum: max,
      inclusive: true,
      input: value,
      message: `must be at most ${max} (MESSAGE_MAX_CHARS)`,
    });
};

/** A message text of a route's body: at most `max` characters (config MESSAGE_MAX_CHARS). */
export const messageTextSchema = (max: number) =>
  z.string().superRefine((text, ctx) => withinMessageMax(text, ctx, max));
