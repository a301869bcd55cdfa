import { expect } from 'chai';
import { checkContact, isFreeMail } from '../../../src/leads/lead-contact.js';
import { isEmailAddress } from '../../../src/lib/email-address.js';

describe('lead contact details (the capture card)', () => {
  const valid = {
    name: '  Ana Ruiz ',
    email: ' Ana.Ruiz@Uni-Norte.edu.MX ',
    organisation: 'Universidad del Norte',
    role: 'Director of e-learning',
    interest: 'A pilot\nfor three campuses',
    consent: true,
  };

  it('accepts a complete card: trimmed, the email lower-cased, a work address not flagged', () => {
    const checked = checkContact(valid, 'en');
    expect(checked).to.deep.equal({
      ok: true,
      contact: {
        name: 'Ana Ruiz',
        email: 'ana.ruiz@uni-norte.edu.mx',
        freeMail: false,
        organisation: 'Universidad del Norte',
        role: 'Director of e-learning',
        interest: 'A pilot\nfor three campuses',
      },
    });
  });

  it('accepts a free-mail address but flags it', () => {
    const checked = checkContact({ ...valid, email: 'ana.ruiz@gmail.com' }, 'en');
    expect(checked.ok && checked.contact.freeMail).to.equal(true);
    expect(isFreeMail('x@Outlook.com')).to.equal(true);
    expect(isFreeMail('x@school.edu')).to.equal(false);
  });

  it('leaves role and interest out when empty', () => {
    const checked = checkContact({ ...valid, role: ' ', interest: undefined }, 'en');
    expect(checked.ok && Object.keys(checked.contact)).to.deep.equal([
      'name',
      'email',
      'freeMail',
      'organisation',
    ]);
  });

  it('names every field to fix, in the learner’s language', () => {
    const checked = checkContact({ name: '', email: 'ana@', organisation: ' ', consent: 'yes' }, 'es-MX');
    expect(checked.ok).to.equal(false);
    if (checked.ok) return;
    expect(checked.fields).to.deep.equal({
      name: 'Escribe tu nombre.',
      email: 'Escribe un correo como nombre@escuela.edu.',
      organisation: 'Escribe tu organización.',
      consent: 'Marca la casilla para aceptar que te contacten.',
    });
  });

  it('refuses values past their limit rather than cutting them', () => {
    const checked = checkContact({ ...valid, interest: 'x'.repeat(2001) }, 'en');
    expect(checked.ok).to.equal(false);
    if (!checked.ok) expect(checked.fields.interest).to.equal('This is too long (at most 2000 characters).');
  });

  it('accepts real address formats and refuses the rest', () => {
    for (const good of ['a@b.co', 'first.last+tag@sub.school.edu', "o'brien@uni.ac.uk", 'x_y-z@a-b.io'])
      expect(isEmailAddress(good), good).to.equal(true);
    for (const bad of [
      '',
      'plain',
      'a@b',
      '@b.com',
      'a@@b.com',
      'a b@c.com',
      'a@b .com',
      '.a@b.com',
      'a.@b.com',
      'a..b@c.com',
      'a@-b.com',
      'a@b-.com',
      'a@b.c',
      'a@b.123',
      'a@[127.0.0.1]',
      '"quoted"@b.com',
      `${'x'.repeat(65)}@b.com`,
      `a@${'b'.repeat(250)}.com`,
    ])
      expect(isEmailAddress(bad), bad).to.equal(false);
  });
});
