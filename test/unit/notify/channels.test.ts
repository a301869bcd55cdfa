import { expect } from 'chai';
import { escapeHtml, escapeSlack, escapeTeams } from '../../../src/notify/channels/escape.js';
import {
  renderHtml,
  renderSlack,
  renderTeams,
  renderText,
  renderWebhook,
} from '../../../src/notify/channels/render.js';
import { signWebhook } from '../../../src/notify/channels/signature.js';
import { checkChannelUrl, isForbiddenAddress } from '../../../src/notify/channels/url-safety.js';
import type { NotificationContent } from '../../../src/notify/notify.models.js';
import { verifyWebhook } from './verify-webhook.js';

const hostile: NotificationContent = {
  kind: 'handoff_new',
  title: 'New handoff: Eve <b>&</b> in <!channel> 101',
  lines: [],
  thread: {
    conversationId: '65f0c0ffee0000000000abcd',
    learner: 'Eve <b>&</b>',
    course: '<!channel> 101',
    reason: 'keyword rule "x" matched "<https://evil.example|bank>"',
    summary: ['Eve asks: "*bold* [link](https://evil.example) <script>alert(1)</script>"'],
    priority: 'high',
  },
};

describe('notification channels', () => {
  describe('webhook signature', () => {
    it('is sha256= and the hex HMAC-SHA256 of "<timestamp>.<body>" with the secret', () => {
      // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
      expect(signWebhook('whsec_test', '1700000000', '{"a":1}')).to.equal(
        'sha256=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789',
      );
      expect(signWebhook('whsec_test', '1700000000', '{"a":1}')).to.match(/^sha256=[0-9a-f]{64}$/);
    });

    it('verifies its own signature and refuses a changed body, another secret or an old timestamp', () => {
      const body = '{"id":"d1","type":"handoff_new"}';
      const signature = signWebhook('s3cret', '1700000000', body);
      expect(verifyWebhook('s3cret', '1700000000', body, signature, 300, 1700000100)).to.equal(true);
      expect(verifyWebhook('s3cret', '1700000000', `${body} `, signature, 300, 1700000100)).to.equal(false);
      expect(verifyWebhook('other', '1700000000', body, signature, 300, 1700000100)).to.equal(false);
      expect(verifyWebhook('s3cret', '1700000000', body, signature, 300, 1700000400)).to.equal(false);
    });
  });

  describe('escaping per channel', () => {
    it('HTML escapes markup characters', () => {
      expect(escapeHtml(`<a href="x">'&'</a>`)).to.equal(
        '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
      );
    });

    it('Slack escapes &, < and > only, so <!channel> and <url|text> stay text', () => {
      expect(escapeSlack('<!channel> & <https://x|y> *b*')).to.equal(
        '&lt;!channel&gt; &amp; &lt;https://x|y&gt; *b*',
      );
    });

    it('Teams backslash-escapes markdown and angle brackets', () => {
      expect(escapeTeams('[x](https://e) *b* <i>')).to.equal('\\[x\\]\\(https://e\\) \\*b\\* \\<i\\>');
    });

    it('an email names learner, course, reason and summary, escaped in HTML, with the link', () => {
      const links = { thread: { url: 'https://chatref.example/go/abc', label: 'Open the thread' } };
      const html = renderHtml(hostile, links);
      expect(html).to.include('Eve &lt;b&gt;&amp;&lt;/b&gt;');
      expect(html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).not.to.include('<script>');
      expect(html).not.to.include('<b>&</b>');
      expect(html).to.include('href="https://chatref.example/go/abc"');
      const text = renderText(hostile, links);
      for (const part of [
        'Learner: Eve <b>&</b>',
        'Course: <!channel> 101',
        'Reason: keyword rule',
        'Summary: Eve asks',
      ])
        expect(text).to.include(part);
      expect(text).to.include('Open the thread: https://chatref.example/go/abc');
    });

    it('Slack blocks carry no live mention or link from learner text', () => {
      const message = renderSlack(hostile, {
        thread: { url: 'https://chatref.example/go/thread/1', label: 'Open' },
      });
      // Plain-text blocks (the header) are never parsed for mentions; mrkdwn text and the fallback are.
      const parsed = [
        message.text,
        ...message.blocks.flatMap((block) => {
          const text = block.text as { type: string; text: string } | undefined;
          return text?.type === 'mrkdwn' ? [text.text] : [];
        }),
      ];
      const all = parsed.join('\n');
      expect(all).not.to.include('<!channel>');
      expect(all).not.to.include('<https://evil.example|bank>');
      expect(all).to.include('&lt;!channel&gt; 101');
      expect(all).to.include('<https://chatref.example/go/thread/1|Open>');
    });

    it('Teams gets an Adaptive Card with the facts escaped and an Open action', () => {
      const card = renderTeams(hostile, {
        thread: { url: 'https://chatref.example/go/thread/1', label: 'Open' },
      });
      const content = card.attachments[0]!.content;
      expect(content.type).to.equal('AdaptiveCard');
      const all = JSON.stringify(content);
      expect(all).to.include('\\\\[link\\\\]');
      expect(content.actions).to.deep.equal([
        { type: 'Action.OpenUrl', title: 'Open', url: 'https://chatref.example/go/thread/1' },
      ]);
    });

    it('the webhook body carries the facts as data and the delivery id', () => {
      const body = renderWebhook(hostile, {
        deliveryId: 'd1',
        tenantId: 't1',
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      expect(body).to.include({ id: 'd1', type: 'handoff_new', tenantId: 't1' });
      expect(body.thread?.learner).to.equal('Eve <b>&</b>');
    });

    it('a learner follow-up never carries the staff-only card', () => {
      const followUp: NotificationContent = {
        kind: 'learner_followup',
        title: 'New reply to your question',
        lines: [],
        replies: [{ author: 'Ana', text: 'Try again now', at: '2026-01-01T10:00:00.000Z' }],
        courseUrl: 'https://lms.example/course/1',
      };
      const text = renderText(followUp);
      expect(text).to.include('Try again now');
      expect(text).to.include('https://lms.example/course/1');
      expect(text).not.to.include('Reason');
    });
  });

  describe('channel URL checks', () => {
    const publicResolver = async () => ['93.184.216.34'];
    it('accepts http(s) and refuses other schemes, naming the field', async () => {
      expect(
        await checkChannelUrl('https://hooks.slack.com/services/T/B/x', 'channels.0.target', {
          production: true,
          resolve: publicResolver,
        }),
      ).to.equal('https://hooks.slack.com/services/T/B/x');
      for (const bad of ['ftp://example.com/x', 'javascript:alert(1)', 'not a url', 'file:///etc/passwd']) {
        try {
          await checkChannelUrl(bad, 'channels.2.target', { production: false });
          expect.fail(`${bad} was accepted`);
        } catch (error) {
          expect((error as Error).message).to.match(/^channels\.2\.target: /);
          expect((error as { status?: number }).status).to.equal(400);
        }
      }
    });

    it('in production refuses loopback, private and link-local addresses, also behind a host name', async () => {
      const cases: [string, (host: string) => Promise<string[]>][] = [
        ['http://127.0.0.1:8080/hook', publicResolver],
        ['http://[::1]/hook', publicResolver],
        ['http://169.254.169.254/latest/meta-data', publicResolver],
        ['https://10.1.2.3/hook', publicResolver],
        ['https://internal.example/hook', async () => ['192.168.1.20']],
        ['https://mixed.example/hook', async () => ['93.184.216.34', 'fd00::5']],
      ];
      for (const [url, resolve] of cases) {
        try {
          await checkChannelUrl(url, 'channels.0.target', { production: true, resolve });
          expect.fail(`${url} was accepted`);
        } catch (error) {
          expect((error as Error).message).to.match(
            /^channels\.0\.target: .*loopback, private or link-local/,
          );
        }
      }
      // Outside production (development, tests) local receivers are fine.
      expect(await checkChannelUrl('http://127.0.0.1:8080/hook', 'x', { production: false })).to.equal(
        'http://127.0.0.1:8080/hook',
      );
    });

    it('classifies addresses', () => {
      expect(isForbiddenAddress('8.8.8.8')).to.equal(false);
      expect(isForbiddenAddress('2606:4700:4700::1111')).to.equal(false);
      for (const address of [
        '127.0.0.1',
        '10.0.0.1',
        '172.16.0.1',
        '192.168.0.1',
        '169.254.1.1',
        '::1',
        'fe80::1',
        'fc00::1',
        '::ffff:127.0.0.1',
        '0.0.0.0',
        '100.64.0.1',
      ])
        expect(isForbiddenAddress(address), address).to.equal(true);
    });
  });
});
