import { formatTime } from '../content.js';
import type { NotificationContent } from '../notify.models.js';
import { escapeHtml, escapeSlack, escapeTeams } from './escape.js';

/** The link a message carries: a single-use sign-in link for one admin, or a landing link without credentials. */
export interface MessageLink {
  url: string;
  label: string;
  /** Said under the link ("valid for 15 minutes, once"). */
  note?: string;
}

/** Links of one message: to its thread, and to each digest row's thread. */
export interface MessageLinks {
  thread?: MessageLink;
  row?: (conversationId: string) => string;
}

/** A message as labelled lines, the one source every channel's format is made from. */
interface Section {
  label?: string;
  text: string;
}

function sections(content: NotificationContent): Section[] {
  const out: Section[] = content.lines.map((text) => ({ text }));
  const thread = content.thread;
  if (thread) {
    if (thread.learner) out.push({ label: 'Learner', text: thread.learner });
    if (thread.course) out.push({ label: 'Course', text: thread.course });
    if (thread.reason) out.push({ label: 'Reason', text: thread.reason });
    const triage = [thread.priority && `priority ${thread.priority}`, thread.category]
      .filter(Boolean)
      .join(', ');
    if (triage) out.push({ label: 'Triage', text: triage });
    if (thread.summary.length) out.push({ label: 'Summary', text: thread.summary.join('\n') });
  }
  const lead = content.lead;
  if (lead) {
    out.push({ label: 'Name', text: lead.name });
    out.push({ label: 'Email', text: lead.freeMail ? `${lead.email} (free-mail address)` : lead.email });
    out.push({ label: 'Organisation', text: lead.organisation });
    if (lead.role) out.push({ label: 'Role', text: lead.role });
    if (lead.interest) out.push({ label: 'Interest', text: lead.interest });
    out.push({ label: 'Message', text: lead.message });
    if (lead.course) out.push({ label: 'Course', text: lead.course });
    out.push({
      label: 'Consent',
      text: `${lead.consent.text} (${formatTime(lead.consent.at, content.timeZone)})`,
    });
    out.push({
      text: 'Follow it up on the Leads page of Chatref (open Chatref from your LMS as an administrator).',
    });
  }
  for (const reply of content.replies ?? [])
    out.push({
      label: `${reply.author ?? 'Support'}, ${formatTime(reply.at, content.timeZone)}`,
      text: reply.text,
    });
  return out;
}

function rowText(row: NonNullable<NotificationContent['rows']>[number], timeZone?: string): string {
  return [
    row.learner ?? 'A learner',
    row.course,
    row.reason,
    row.state ? row.state.replace(/_/g, ' ') : undefined,
    row.dueAt ? `due ${formatTime(row.dueAt, timeZone)}` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** The plain-text part of an email (and what tests read). */
export function renderText(content: NotificationContent, links: MessageLinks = {}): string {
  const lines = [content.title, ''];
  for (const section of sections(content))
    lines.push(section.label ? `${section.label}: ${section.text}` : section.text);
  for (const row of content.rows ?? [])
    lines.push(
      `- ${rowText(row, content.timeZone)}${links.row ? `\n  ${links.row(row.conversationId)}` : ''}`,
    );
  if (links.thread) {
    lines.push('', `${links.thread.label}: ${links.thread.url}`);
    if (links.thread.note) lines.push(links.thread.note);
  }
  if (content.kind === 'learner_followup' && content.courseUrl)
    lines.push('', `Continue in your course: ${content.courseUrl}`);
  return `${lines.join('\n')}\n`;
}

/** The HTML part of an email: every value escaped. */
export function renderHtml(content: NotificationContent, links: MessageLinks = {}): string {
  const body: string[] = [`<h1 style="font-size:18px">${escapeHtml(content.title)}</h1>`];
  for (const section of sections(content)) {
    const text = escapeHtml(section.text).replace(/\n/g, '<br>');
    body.push(
      section.label ? `<p><strong>${escapeHtml(section.label)}:</strong> ${text}</p>` : `<p>${text}</p>`,
    );
  }
  if (content.rows?.length) {
    body.push('<ul>');
    for (const row of content.rows) {
      const text = escapeHtml(rowText(row, content.timeZone));
      body.push(
        links.row
          ? `<li><a href="${escapeHtml(links.row(row.conversationId))}">${text}</a></li>`
          : `<li>${text}</li>`,
      );
    }
    body.push('</ul>');
  }
  if (links.thread) {
    body.push(`<p><a href="${escapeHtml(links.thread.url)}">${escapeHtml(links.thread.label)}</a></p>`);
    if (links.thread.note) body.push(`<p style="color:#555">${escapeHtml(links.thread.note)}</p>`);
  }
  if (content.kind === 'learner_followup' && content.courseUrl)
    body.push(`<p><a href="${escapeHtml(content.courseUrl)}">Continue in your course</a></p>`);
  return `<!doctype html><html><body style="font-family:sans-serif">${body.join('\n')}</body></html>`;
}

/** A Slack incoming-webhook message: `text` (notifications, fallback) and Block Kit sections. */
export function renderSlack(content: NotificationContent, links: MessageLinks = {}) {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: content.title.slice(0, 150), emoji: false } },
  ];
  const fields = sections(content).map((section) =>
    section.label
      ? `*${escapeSlack(section.label)}:* ${escapeSlack(section.text)}`
      : escapeSlack(section.text),
  );
  for (const row of content.rows ?? []) {
    const text = escapeSlack(rowText(row, content.timeZone));
    fields.push(links.row ? `• <${links.row(row.conversationId)}|${text}>` : `• ${text}`);
  }
  if (fields.length)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: fields.join('\n').slice(0, 3000) } });
  if (links.thread)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `<${links.thread.url}|${escapeSlack(links.thread.label)}>` },
    });
  return { text: escapeSlack(content.title), blocks };
}

/** A Teams message for an incoming webhook or a Workflows URL: one Adaptive Card attachment. */
export function renderTeams(content: NotificationContent, links: MessageLinks = {}) {
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: escapeTeams(content.title), weight: 'Bolder', size: 'Medium', wrap: true },
  ];
  const facts: { title: string; value: string }[] = [];
  for (const section of sections(content)) {
    if (section.label) facts.push({ title: escapeTeams(section.label), value: escapeTeams(section.text) });
    else body.push({ type: 'TextBlock', text: escapeTeams(section.text), wrap: true });
  }
  if (facts.length) body.push({ type: 'FactSet', facts });
  for (const row of content.rows ?? [])
    body.push({ type: 'TextBlock', text: `- ${escapeTeams(rowText(row, content.timeZone))}`, wrap: true });
  const actions = links.thread
    ? [{ type: 'Action.OpenUrl', title: links.thread.label, url: links.thread.url }]
    : [];
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions,
        },
      },
    ],
  };
}

/** The generic webhook's JSON body: the facts as data (receivers render them), plus the plain text. */
export function renderWebhook(
  content: NotificationContent,
  meta: { deliveryId: string; tenantId: string; createdAt: string },
  links: MessageLinks = {},
) {
  return {
    id: meta.deliveryId,
    type: content.kind,
    tenantId: meta.tenantId,
    createdAt: meta.createdAt,
    title: content.title,
    lines: content.lines,
    thread: content.thread ? { ...content.thread, url: links.thread?.url } : undefined,
    rows: content.rows?.map((row) => ({ ...row, url: links.row?.(row.conversationId) })),
    // New leads: the prospect's details as data, for a CRM to store.
    lead: content.lead,
    text: renderText(content, links),
  };
}
