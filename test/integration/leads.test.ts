import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { LeadModel } from '../../src/leads/lead.model.js';
import { strangerToken } from '../support/api.js';
import type { TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { api, type Body, launchSession, type Person } from '../support/people.js';
import type { HttpReceiver, SmtpReceiver } from '../support/receivers.js';
import { type AppWithReceivers, startAppWithReceivers } from '../support/receiving-app.js';
import { startLeadsApp } from './leads-support.js';
import { launchAs } from './notify-support.js';

const PROSPECT = 'Can I get a demo of your platform for our 3 campuses? We want pricing.';

describe('lead capture in the chat and the Leads page (real launches, worker, local SMTP and HTTP receivers)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let smtp: SmtpReceiver;
  let http: HttpReceiver;
  let receiving: AppWithReceivers<TestApp>;
  let admin: Person;

  before(async () => {
    ({ app, smtp, http } = receiving = await startAppWithReceivers(
      { NOTIFY_ATTEMPTS: '3', NOTIFY_BACKOFF_MS: '20' },
      (env) => startLeadsApp({ env }),
    ));
    admin = await launchAs(app, { role: 'admin', name: 'Sam Sales' });
    const saved = await api(app, admin, '/api/settings/notifications', {
      method: 'PUT',
      body: {
        channels: [
          { type: 'email', name: 'Sales team', target: 'sales@example.edu', kinds: ['lead_new'] },
          { type: 'webhook', name: 'CRM', target: `${http.url}/crm/ok`, kinds: ['lead_new'] },
          { type: 'email', name: 'Support', target: 'support@example.edu', kinds: ['handoff_new'] },
        ],
      },
    });
    expect(saved.status, saved.text).to.equal(200);
  });
  after(() => receiving?.stop());

  /** A learner opens the chat and writes; returns the thread and the message's client id. */
  async function write(learner: Person, text: string) {
    const opened = await api(app, learner, '/api/chat');
    expect(opened.status, opened.text).to.equal(200);
    const conversationId = opened.body.conversation.id as string;
    const clientId = `c-${randomUUID()}`;
    const posted = await api(app, learner, '/api/chat/messages', {
      method: 'POST',
      body: { conversationId, clientId, text },
    });
    expect(posted.status, posted.text).to.equal(201);
    return { conversationId, clientId, posted: posted.body };
  }

  const history = async (learner: Person) => (await api(app, learner, '/api/chat')).body.messages as Body[];

  it('a prospect is offered the card instead of an answer or a handoff, leaves valid details once, and sales hears of it by email and CRM webhook', async () => {
    const learner = await launchAs(app, { role: 'learner', name: 'Pat Prospect', course: 'BIO-101' });
    const { conversationId, clientId, posted } = await write(learner, PROSPECT);
    expect(posted.conversation.status).to.equal('bot');

    // The bot's offer is in the thread; no answer from the documents, no handoff.
    const offer = await eventually(
      async () => (await history(learner)).find((m) => m.clientId === `lead:${clientId}`),
      'the bot offer',
    );
    expect(offer.author).to.equal('bot');
    expect(offer.text).to.match(/put you in touch with our team/);
    const messages = await history(learner);
    expect(messages.some((m) => m.clientId === `bot:${clientId}`)).to.equal(false);
    expect((await api(app, learner, '/api/chat')).body.conversation.status).to.equal('bot');

    const state = await api(app, learner, `/api/chat/lead?conversationId=${conversationId}`);
    expect(state.status).to.equal(200);
    expect(state.body.stage).to.equal('asked');
    expect(state.body.consentText).to.match(/contact me/);
    expect(state.body.strings.email).to.equal('Work email');

    // Bad details: every field named, nothing stored.
    const bad = await api(app, learner, '/api/chat/lead', {
      method: 'POST',
      body: { conversationId, name: 'Pat', email: 'pat@', organisation: '', consent: false },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.fields).to.have.keys('email', 'organisation', 'consent');
    expect((await LeadModel.findById(conversationId).lean())?.stage).to.equal('asked');

    const details = {
      conversationId,
      name: 'Pat Prospect',
      email: 'Pat.Prospect@Gmail.com',
      organisation: '=HYPERLINK("http://evil.example","Click")',
      role: 'Head of digital learning',
      interest: 'A pilot for three campuses',
      consent: true,
    };
    const sent = await api(app, learner, '/api/chat/lead', { method: 'POST', body: details });
    expect(sent.status, sent.text).to.equal(201);
    expect(sent.body).to.deep.equal({ stage: 'captured', created: true });
    // Submitting again (a double click, a retry) stores nothing new and tells sales nothing new.
    const again = await api(app, learner, '/api/chat/lead', { method: 'POST', body: details });
    expect(again.status).to.equal(200);
    expect(again.body.created).to.equal(false);

    const thanks = await eventually(
      async () => (await history(learner)).find((m) => m.clientId?.startsWith('lead-thanks:')),
      'the thank-you line',
    );
    expect(thanks.text).to.contain('pat.prospect@gmail.com');

    const mail = await smtp.waitFor((m) => m.to.includes('sales@example.edu'));
    expect(mail.subject).to.contain('New lead: Pat Prospect');
    expect(mail.text).to.contain('pat.prospect@gmail.com (free-mail address)');
    expect(mail.text).to.contain('Head of digital learning');
    expect(mail.text).to.contain(PROSPECT);
    const hook = await http.waitFor((r) => r.path === '/crm/ok');
    const payload = JSON.parse(hook.body);
    expect(payload.type).to.equal('lead_new');
    expect(payload.lead).to.include({
      name: 'Pat Prospect',
      email: 'pat.prospect@gmail.com',
      freeMail: true,
    });
    expect(payload.lead.consent.text).to.match(/contact me/);
    // Not a support notice: the handoff channel heard nothing of this thread.
    expect(smtp.messages.some((m) => m.to.includes('support@example.edu'))).to.equal(false);
    expect(smtp.messages.filter((m) => m.to.includes('sales@example.edu'))).to.have.length(1);

    // Never in the admin inbox's queues.
    for (const view of ['attention', 'unassigned', 'mine']) {
      const list = await api(app, admin, `/api/inbox/conversations?view=${view}&limit=100`);
      expect(list.status, list.text).to.equal(200);
      expect(
        list.body.items.map((i: Body) => i.id),
        view,
      ).not.to.include(conversationId);
    }

    // The Leads page lists it.
    const leads = await api(app, admin, '/api/leads');
    expect(leads.status, leads.text).to.equal(200);
    const lead = leads.body.data.leads.find((l: Body) => l.conversationId === conversationId);
    expect(lead).to.include({ status: 'new', name: 'Pat Prospect', freeMail: true, owner: null });
    expect(lead.signals).to.include('demo');
  });

  it('admins change status, take ownership, add notes, filter and export formula-safe CSV; learners, instructors and other tenants are refused', async () => {
    const learner = await launchAs(app, { role: 'learner', name: 'Robin Buyer' });
    const { conversationId } = await write(learner, 'Do you offer a trial and pricing for our school?');
    await eventually(
      async () => (await LeadModel.findById(conversationId).lean())?.stage === 'asked',
      'asked',
    );
    const sent = await api(app, learner, '/api/chat/lead', {
      method: 'POST',
      body: {
        conversationId,
        name: 'Robin Buyer',
        email: 'robin@school.edu',
        organisation: '+Acme -School',
        consent: true,
      },
    });
    expect(sent.status, sent.text).to.equal(201);
    const leadId = conversationId;

    const changed = await api(app, admin, `/api/leads/${leadId}`, {
      method: 'PATCH',
      body: { status: 'contacted', ownerId: admin.userId, note: '@call back Monday' },
    });
    expect(changed.status, changed.text).to.equal(200);
    expect(changed.body.data.status).to.equal('contacted');
    expect(changed.body.data.owner.userId).to.equal(admin.userId);
    expect(changed.body.data.notes.map((n: Body) => n.text)).to.deep.equal(['@call back Monday']);
    // The note names its author.
    expect(changed.body.data.notes[0].authorName).to.equal('Sam Sales');
    const stale = await api(app, admin, `/api/leads/${leadId}`, {
      method: 'PATCH',
      body: { status: 'closed', version: 0 },
    });
    expect(stale.status).to.equal(409);
    const badStatus = await api(app, admin, `/api/leads/${leadId}`, {
      method: 'PATCH',
      body: { status: 'won' },
    });
    expect(badStatus.status).to.equal(400);
    expect(badStatus.body.error.message).to.match(/^status: /);

    const contacted = await api(app, admin, '/api/leads?status=contacted');
    expect(contacted.body.data.leads.map((l: Body) => l.id)).to.include(leadId);
    const fresh = await api(app, admin, '/api/leads?status=new');
    expect(fresh.body.data.leads.map((l: Body) => l.id)).not.to.include(leadId);

    const csv = await fetch(`${app.url}/api/leads/export.csv`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(csv.status).to.equal(200);
    expect(csv.headers.get('content-type')).to.match(/^text\/csv/);
    const text = await csv.text();
    expect(text).to.contain('Captured at,Status,Owner,Name,Email');
    expect(text).to.contain(`'+Acme -School`);
    expect(text).to.contain(`"'=HYPERLINK(""http://evil.example"",""Click"")"`);
    expect(text).to.contain('): @call back Monday');
    expect(text).not.to.match(/(^|,)[=+@-]/m);

    // Learners and instructors get the product's refusal; the page too.
    for (const path of ['/api/leads', `/api/leads/${leadId}`, '/api/leads/export.csv']) {
      const refused = await api(app, learner, path);
      expect(refused.status, path).to.equal(403);
    }
    const instructor = await launchSession(app, 'instructor', (claims) => {
      claims.sub = `lead-instructor-${randomUUID()}`;
    });
    expect((await api(app, instructor, '/api/leads')).status).to.equal(403);
    expect((await api(app, instructor, `/api/leads/${leadId}`)).status).to.equal(403);
    const page = await fetch(`${app.url}/leads?ltik=${encodeURIComponent(learner.token)}`, {
      headers: { accept: 'text/html' },
    });
    expect(page.status).to.equal(403);
    const learnerPatch = await api(app, learner, `/api/leads/${leadId}`, {
      method: 'PATCH',
      body: { status: 'closed' },
    });
    expect(learnerPatch.status).to.equal(403);

    // Another organisation's administrator: not found, and not listed.
    const otherAdmin = await strangerToken(app.config.LTI_ENCRYPTION_KEY);
    expect((await api(app, otherAdmin, `/api/leads/${leadId}`)).status).to.equal(404);
    expect(
      (await api(app, otherAdmin, `/api/leads/${leadId}`, { method: 'PATCH', body: { status: 'closed' } }))
        .status,
    ).to.equal(404);
    expect((await api(app, otherAdmin, '/api/leads')).body.data.leads).to.deep.equal([]);
  });

  it('staff saving one lead at the same instant: every note is kept, and of saves from the same version exactly one wins', async () => {
    const learner = await launchAs(app, { role: 'learner', name: 'Casey Concurrent' });
    const { conversationId: leadId } = await write(
      learner,
      'Could we get pricing and a demo for our district?',
    );
    await eventually(async () => (await LeadModel.findById(leadId).lean())?.stage === 'asked', 'asked');
    const patch = (body: Body) => api(app, admin, `/api/leads/${leadId}`, { method: 'PATCH', body });

    const notes = Array.from({ length: 12 }, (_, i) => `note ${i + 1}`);
    const saved = await Promise.all(notes.map((note) => patch({ note })));
    expect(saved.map((r) => r.status)).to.deep.equal(notes.map(() => 200));
    const afterNotes = await LeadModel.findById(leadId).lean();
    expect(afterNotes?.notes.map((n) => n.text).sort()).to.deep.equal([...notes].sort());
    expect(afterNotes?.version).to.equal(12);

    // Six people edited version 12; only one save may land, the others are told to reload.
    const racing = await Promise.all(
      Array.from({ length: 6 }, (_, i) => patch({ note: `from version 12, save ${i}`, version: 12 })),
    );
    expect(racing.map((r) => r.status).sort()).to.deep.equal([200, 409, 409, 409, 409, 409]);
    const final = await LeadModel.findById(leadId).lean();
    expect(final?.version).to.equal(13);
    expect(final?.notes).to.have.length(13);
  });

  it('a prospect who says no thanks keeps chatting with the bot, and a support question is still answered', async () => {
    const learner = await launchAs(app, { role: 'learner', name: 'Dana Decline' });
    const { conversationId, clientId } = await write(learner, 'Could we see a demo before we buy?');
    await eventually(
      async () => (await history(learner)).find((m) => m.clientId === `lead:${clientId}`),
      'the bot offer',
    );
    const declined = await api(app, learner, '/api/chat/lead/decline', {
      method: 'POST',
      body: { conversationId },
    });
    expect(declined.status, declined.text).to.equal(200);
    expect(declined.body.stage).to.equal('declined');
    expect((await api(app, learner, `/api/chat/lead?conversationId=${conversationId}`)).body.stage).to.equal(
      'declined',
    );
    const next = await write(learner, 'How do I reset my password?');
    expect(next.posted.conversation.status).to.equal('bot');
    await eventually(
      async () => (await history(learner)).find((m) => m.clientId === `bot:${next.clientId}`),
      'the bot answer',
    );
    // The enquiry is on the Leads page (it never went to the support inbox), without any contact details.
    const leads = await api(app, admin, '/api/leads');
    const listed = leads.body.data.leads.find((l: Body) => l.conversationId === conversationId);
    expect(listed).to.include({
      stage: 'declined',
      name: '',
      email: '',
      message: 'Could we see a demo before we buy?',
    });
    expect(listed.consent).to.equal(null);
    // Someone else's thread: not theirs to answer.
    const stranger = await launchAs(app, { role: 'learner', name: 'Stranger' });
    const theirs = await api(app, stranger, '/api/chat/lead', {
      method: 'POST',
      body: { conversationId, name: 'X', email: 'x@school.edu', organisation: 'X', consent: true },
    });
    expect(theirs.status).to.equal(404);
  });

  it('a Spanish-speaking prospect is answered and asked in Spanish; a second enquiry after the details are in is not asked again', async () => {
    const session = await launchSession(app, 'learner', (claims) => {
      claims.sub = `lead-es-${randomUUID()}`;
      claims.name = 'Lucía Compras';
      claims.locale = 'es-MX';
      claims['https://purl.imsglobal.org/spec/lti/claim/launch_presentation'] = { locale: 'es-MX' };
    });
    const learner: Person = { ...session, name: 'Lucía Compras' };
    const { conversationId, clientId } = await write(
      learner,
      '¿Nos pueden dar precios para nuestra universidad?',
    );
    const offer = await eventually(
      async () => (await history(learner)).find((m) => m.clientId === `lead:${clientId}`),
      'the bot offer',
    );
    expect(offer.text).to.match(/te pondré en contacto con nuestro equipo/);
    const state = await api(app, learner, `/api/chat/lead?conversationId=${conversationId}`);
    expect(state.body.strings.submit).to.equal('Enviar mis datos');
    expect(state.body.consentText).to.match(/^Acepto/);
    const sent = await api(app, learner, '/api/chat/lead', {
      method: 'POST',
      body: {
        conversationId,
        name: 'Lucía',
        email: 'lucia@unorte.edu.mx',
        organisation: 'UNorte',
        consent: true,
      },
    });
    expect(sent.status, sent.text).to.equal(201);
    const again = await write(learner, 'Y también precios para el campus sur');
    const known = await eventually(
      async () => (await history(learner)).find((m) => m.clientId === `lead-known:${again.clientId}`),
      'the already-captured line',
    );
    expect(known.text).to.match(/ya tiene tus datos/);
    expect((await history(learner)).some((m) => m.clientId === `lead:${again.clientId}`)).to.equal(false);
    const stored = await LeadModel.findById(conversationId).lean();
    expect(stored?.consent?.text).to.match(/^Acepto/);
  });

  it('a prospect asking to talk to someone about a demo goes to sales, not to the support team', async () => {
    const learner = await launchAs(app, { role: 'learner', name: 'Tom Talk' });
    const text = 'I want to talk to a person about a demo and pricing for our 3 campuses';
    const { conversationId, clientId, posted } = await write(learner, text);
    expect(posted.conversation.status).to.equal('bot');
    await eventually(
      async () => (await history(learner)).find((m) => m.clientId === `lead:${clientId}`),
      'the bot offer',
    );
    expect((await api(app, learner, '/api/chat')).body.conversation.status).to.equal('bot');
    const attention = await api(app, admin, '/api/inbox/conversations?view=attention&limit=100');
    expect(attention.body.items.map((i: Body) => i.id)).not.to.include(conversationId);
    // The same words without a prospect's enquiry still reach a person.
    const other = await launchAs(app, { role: 'learner', name: 'Una Support' });
    const plain = await write(other, 'I want to talk to a person about my quiz grade');
    expect(plain.posted.conversation.status).to.equal('waiting');
  });
});
