import { expect } from 'chai';
import { checkMessage } from '../../../src/conversations/message-rules.js';
import { AppError } from '../../../src/lib/errors.js';

function refusal(run: () => void): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('the checks every message a person writes passes', () => {
  it('refuses a learner message or staff text over the limit, naming the limit', () => {
    for (const author of ['learner', 'admin'] as const) {
      const error = refusal(() => checkMessage({ author, text: 'x'.repeat(501), clientId: 'c-1' }, 500));
      expect(error.code).to.equal('unprocessable');
      expect(error.message).to.contain('500 characters');
      expect(error.details).to.deep.equal({ maxLength: 500 });
      expect(() => checkMessage({ author, text: 'x'.repeat(500), clientId: 'c-1' }, 500)).not.to.throw();
    }
  });

  it('refuses a client id a retry could not send again unchanged', () => {
    for (const clientId of ['', 'has space', 'x'.repeat(101), 'émoji'])
      expect(refusal(() => checkMessage({ author: 'learner', text: 'hi', clientId }, 500)).code).to.equal(
        'bad_request',
      );
  });

  it('leaves the product its own lines: a long bot answer or a status line is not limited here', () => {
    expect(() =>
      checkMessage({ author: 'bot', text: 'x'.repeat(9000), clientId: 'bot:c-1' }, 500),
    ).not.to.throw();
    expect(() =>
      checkMessage({ author: 'system', text: 'x'.repeat(9000), clientId: 'sys:claim:2' }, 500),
    ).not.to.throw();
  });
});
