import { AppError } from '../lib/errors.js';
import type { NewMessage } from './conversation-store.js';

/** What a client may choose as a message id (retries send the same one). */
const CLIENT_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

/** Refuses a client-chosen message id that is not 1–100 letters, digits or `_.:-`. */
export function assertClientId(clientId: string): void {
  if (!CLIENT_ID.test(clientId))
    throw new AppError('bad_request', 'clientId must be 1–100 letters, digits or _.:-');
}

/**
 * The checks every message written by a person passes (learner messages, staff replies and notes): a
 * client id of the allowed shape and at most `maxChars` characters (config MESSAGE_MAX_CHARS, the same
 * limit the routes and pages use). Lines the product writes itself (bot answers, status lines) are its
 * own and not limited here.
 */
export function checkMessage(
  fields: Pick<NewMessage, 'author' | 'text' | 'clientId'>,
  maxChars: number,
): void {
  if (fields.author !== 'learner' && fields.author !== 'admin') return;
  assertClientId(fields.clientId);
  if (fields.text.length > maxChars)
    throw new AppError('unprocessable', `That message is too long (the limit is ${maxChars} characters).`, {
      maxLength: maxChars,
    });
}
