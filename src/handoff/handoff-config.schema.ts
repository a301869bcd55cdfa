import { z } from 'zod';
import { atMostMessageMax } from '../conversations/message-limit.js';

const priority = z.enum(['low', 'normal', 'high', 'urgent']);
const role = z.enum(['learner', 'instructor', 'admin']);

/** A person or channel a keyword rule notifies. */
export const notifyTargetSchema = z.object({
  /** email: an address; slack/webhook: an https URL; user: a user id of the tenant. */
  type: z.enum(['email', 'slack', 'teams', 'webhook', 'user']),
  target: z.string().trim().min(1).max(500),
});

/** Creating or replacing a keyword rule. */
export const keywordRuleInputSchema = z.object({
  /** A label admins recognise ("Access problems"). */
  name: z.string().trim().max(100).optional(),
  /** `phrase`: literal words; `regex`: a regular expression (checked for safety). */
  kind: z.enum(['phrase', 'regex']).default('phrase'),
  pattern: z.string().trim().min(1).max(200),
  /** The category the thread gets ("Access", "Grades"). */
  category: z.string().trim().min(1).max(60),
  priority: priority.default('normal'),
  notify: z.array(notifyTargetSchema).max(20).default([]),
  enabled: z.boolean().default(true),
  /** Lower runs first. */
  order: z.number().int().min(0).max(10_000).default(0),
});
export type KeywordRuleInputData = z.input<typeof keywordRuleInputSchema>;

/**
 * A partial update of a tenant's handoff settings (missing fields keep their current value), bounded by the
 * product's message limit (`messageMaxChars`, config MESSAGE_MAX_CHARS).
 */
export const handoffSettingsPatchSchema = (messageMaxChars: number) =>
  z
    .object({
      humanRequest: z.object({ enabled: z.boolean() }).partial(),
      lowConfidence: z
        .object({
          enabled: z.boolean(),
          confidenceThreshold: z.number().min(0).max(1),
          streak: z
            .object({
              learner: z.number().int().min(1).max(10),
              instructor: z.number().int().min(1).max(10),
              admin: z.number().int().min(1).max(10),
            })
            .partial(),
        })
        .partial(),
      keywordRules: z.object({ enabled: z.boolean() }).partial(),
      schedule: z.object({ enabled: z.boolean() }).partial(),
      urgentRules: z
        .array(
          z.object({
            name: z.string().trim().min(1).max(100),
            roles: z.array(role).default([]),
            categories: z.array(z.string().trim().min(1).max(60)).default([]),
            courseIds: z.array(z.string().regex(/^[a-f0-9]{24}$/)).default([]),
            priority: priority.default('urgent'),
          }),
        )
        .max(50),
      reopenWindowDays: z.number().int().min(0).max(90),
      messagesPerMinute: z.number().int().min(1).max(600),
      // A tenant may set a lower limit for its learners, never a higher one than the product's.
      maxMessageLength: z.number().int().min(100).superRefine(atMostMessageMax(messageMaxChars)),
      staffPresenceSeconds: z.number().int().min(15).max(3600),
    })
    .partial();
export type HandoffSettingsPatch = z.input<ReturnType<typeof handoffSettingsPatchSchema>>;
