import nodemailer, { type Transporter } from 'nodemailer';
import type { NotificationContent } from '../notify.models.js';
import { ChannelError } from './errors.js';
import { type MessageLinks, renderHtml, renderText } from './render.js';

const transports = new Map<string, Transporter>();

/** One pooled SMTP transport per SMTP_URL and process (connections are reused between messages). */
export function smtpTransport(smtpUrl: string): Transporter {
  let transport = transports.get(smtpUrl);
  if (!transport) {
    // Short timeouts: a hung server must fail the attempt (and be retried) well within the send lease.
    transport = nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: 5,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    } as Parameters<typeof nodemailer.createTransport>[0]);
    transports.set(smtpUrl, transport);
  }
  return transport;
}

/** Closes every pooled transport (worker shutdown, tests). */
export function closeSmtpTransports(): void {
  for (const transport of transports.values()) transport.close();
  transports.clear();
}

/** The Message-ID of a delivery: stable across retries, so a receiver (or a mail client) sees one message. */
export function messageIdFor(deliveryId: string, publicUrl: string): string {
  return `<${deliveryId}@${new URL(publicUrl).hostname || 'chatref.local'}>`;
}

/** Sends one notification email: a text part and an escaped HTML part, with a stable Message-ID. */
export async function sendEmail(
  options: { smtpUrl?: string; from: string; publicUrl: string },
  to: string,
  deliveryId: string,
  content: NotificationContent,
  links: MessageLinks,
): Promise<void> {
  if (!options.smtpUrl) throw new ChannelError('Email is not configured: set SMTP_URL.');
  try {
    await smtpTransport(options.smtpUrl).sendMail({
      from: options.from,
      to,
      subject: content.email?.subject ?? content.title,
      text: content.email?.text ?? renderText(content, links),
      html: content.email?.html ?? renderHtml(content, links),
      messageId: messageIdFor(deliveryId, options.publicUrl),
      headers: { 'X-Chatref-Delivery': deliveryId, 'Auto-Submitted': 'auto-generated' },
    });
  } catch (error) {
    const smtp = error as { responseCode?: number; code?: string; response?: string };
    const said = smtp.response ? `: ${smtp.response.replace(/\s+/g, ' ').slice(0, 160)}` : '';
    throw new ChannelError(
      smtp.responseCode
        ? `The mail server refused the message (${smtp.responseCode}${said}).`
        : `The mail server could not be reached${smtp.code ? ` (${smtp.code})` : ''}.`,
      smtp.responseCode,
    );
  }
}
