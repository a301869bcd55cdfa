import { expect } from 'chai';
import { findEmailAddress, isEmailAddress } from '../../../src/lib/email-address.js';

describe('email addresses', () => {
  it('accepts the addresses people type in settings and notification channels', () => {
    for (const good of ['ops@school.edu', 'help-desk@it.northfield.ac.uk', 'Team.Lead@Example.ORG'])
      expect(isEmailAddress(good), good).to.equal(true);
  });

  it('refuses lists, display names and addresses without a real domain', () => {
    for (const bad of ['a@b.com, c@d.com', 'Ops <ops@school.edu>', 'ops@school', 'ops@school.e', 'ops@'])
      expect(isEmailAddress(bad), bad).to.equal(false);
  });

  it('finds the first address written in a message, without the punctuation around it', () => {
    expect(findEmailAddress('You can write me at (ana.lopez@uni.edu), thanks!')).to.equal(
      'ana.lopez@uni.edu',
    );
    expect(findEmailAddress('mail: <bo@x.io>; or bo@y.io')).to.equal('bo@x.io');
    expect(findEmailAddress('my handle is @ana and my site is uni.edu')).to.equal(undefined);
  });
});
