import { expect } from 'chai';
import { renderHtml, renderSlack, renderText, renderWebhook } from '../../../src/notify/channels/render.js';
import { buildContent } from '../../../src/notify/content.js';
import type { LeadFacts } from '../../../src/notify/notify.types.js';

describe('a new lead as sales channels receive it', () => {
  const lead: LeadFacts = {
    leadId: '0123456789abcdef01234567',
    name: 'Ana <b>Ruiz</b>',
    email: 'ana@gmail.com',
    freeMail: true,
    organisation: 'Uni & Co <!channel>',
    role: 'Director',
    message: 'Can I get a demo for our 3 campuses?',
    course: 'Biology 101',
    signals: ['demo'],
    consent: { text: 'I agree to be contacted.', at: '2026-01-05T14:00:00.000Z' },
    capturedAt: '2026-01-05T14:00:00.000Z',
  };
  const content = buildContent(
    { tenantId: 't1', kind: 'lead_new', key: 'lead-x', details: { lead } },
    undefined,
    'Europe/Madrid',
  );

  it('is titled by the person and organisation and carries no thread card', () => {
    expect(content.title).to.equal('New lead: Ana <b>Ruiz</b>, Uni & Co <!channel>');
    expect(content.thread).to.equal(undefined);
    const text = renderText(content);
    expect(text).to.contain('Email: ana@gmail.com (free-mail address)');
    expect(text).to.contain('Message: Can I get a demo for our 3 campuses?');
    expect(text).to.contain('Consent: I agree to be contacted. (Mon 5 Jan, 15:00 (Europe/Madrid))');
    expect(text).not.to.contain('Interest:');
  });

  it('escapes what the prospect typed in emails and Slack', () => {
    const html = renderHtml(content);
    expect(html).to.contain('Ana &lt;b&gt;Ruiz&lt;/b&gt;');
    expect(html).not.to.contain('<b>Ruiz');
    // Slack reads mrkdwn (the fallback text and sections); the header block is plain text, shown as typed.
    const slack = renderSlack(content);
    const mrkdwn = [
      slack.text,
      ...slack.blocks.flatMap((block) => {
        const text = block.text as { type: string; text: string } | undefined;
        return text?.type === 'mrkdwn' ? [text.text] : [];
      }),
    ].join('\n');
    expect(mrkdwn).to.contain('Uni &amp; Co &lt;!channel&gt;');
    expect(mrkdwn).not.to.contain('<!channel>');
  });

  it('gives a CRM webhook the lead as data', () => {
    const body = renderWebhook(content, { deliveryId: 'd1', tenantId: 't1', createdAt: lead.capturedAt });
    expect(body.type).to.equal('lead_new');
    expect(body.lead).to.deep.equal(lead);
  });
});
