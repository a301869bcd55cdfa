import { maxPriority, type Priority } from '../conversations/conversation.types.js';
import type { ProductRole } from '../users/user.model.js';
import type { UrgentRule } from './handoff-settings.model.js';

/** Default priority by LMS role: instructors (and admins) above learners. */
export const ROLE_PRIORITY: Record<ProductRole, Priority> = {
  learner: 'normal',
  instructor: 'high',
  admin: 'high',
};

/** What priority depends on. */
export interface PriorityInput {
  role: ProductRole;
  courseId?: string;
  /** Categories of the keyword rules that matched (any may satisfy an urgent rule). */
  categories: readonly string[];
  /** Priorities of the keyword rules that matched. */
  rulePriorities: readonly Priority[];
  urgentRules: readonly UrgentRule[];
  /** A priority the thread already has (a handoff never lowers it). */
  current?: Priority;
}

const sameCategory = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: 'base' }) === 0;

/** Whether an urgent rule applies: every non-empty condition must hold. */
export function urgentRuleMatches(
  rule: UrgentRule,
  input: Pick<PriorityInput, 'role' | 'courseId' | 'categories'>,
) {
  if (rule.roles.length && !rule.roles.includes(input.role)) return false;
  if (rule.courseIds.length && !(input.courseId && rule.courseIds.includes(input.courseId))) return false;
  if (
    rule.categories.length &&
    !rule.categories.some((c) => input.categories.some((m) => sameCategory(c, m)))
  )
    return false;
  return true;
}

/**
 * The thread's priority: the highest of the role default, every matched rule's priority, every matching
 * urgent rule's priority, and what the thread already had. Returns the urgent rules that applied so the
 * handoff can record them as reasons.
 */
export function computePriority(input: PriorityInput): { priority: Priority; urgentRules: UrgentRule[] } {
  let priority = ROLE_PRIORITY[input.role];
  if (input.current) priority = maxPriority(priority, input.current);
  for (const p of input.rulePriorities) priority = maxPriority(priority, p);
  const applied = input.urgentRules.filter((rule) => urgentRuleMatches(rule, input));
  for (const rule of applied) priority = maxPriority(priority, rule.priority);
  return { priority, urgentRules: applied };
}
