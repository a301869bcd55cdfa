import type { z } from 'zod';
import { AppError } from '../lib/errors.js';

/**
 * Validates request input with zod; the first problem becomes a 400 naming the field ("field: message").
 * A problem with the input as a whole (no field) says zod's own message, or `whole` when the route gives one.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, whole?: string): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.');
    throw new AppError(
      'bad_request',
      field
        ? `${field}: ${issue?.message ?? 'is not valid'}`
        : (whole ?? issue?.message ?? 'The request was not valid.'),
    );
  }
  return result.data;
}
