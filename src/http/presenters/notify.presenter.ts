import type { DeadLetterRecord, NotifyChannel } from '../../notify/notify.models.js';
import type { NotificationKind } from '../../notify/notify.types.js';

/** A channel as the settings page sees it: URLs and secrets masked (they are credentials). */
export interface NotifyChannelDto {
  id: string;
  type: NotifyChannel['type'];
  name: string;
  /** Email: the addresses; Slack, Teams, webhook: the host and the URL's last four characters. */
  target: string;
  /** Webhooks: whether a signing secret exists, masked (the secret itself is shown once, on creation). */
  secret?: string;
  kinds: NotificationKind[];
  enabled: boolean;
  createdAt: string;
}

export interface DeadLetterDto {
  id: string;
  kind: string;
  channel: string;
  recipient: string;
  title: string;
  error: string;
  attempts: number;
  diedAt: string;
}

/** `https://hooks.slack.com/…abcd`: enough to recognise a URL, not to use it. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/…${url.slice(-4)}`;
  } catch {
    return '…';
  }
}

export function presentChannel(channel: NotifyChannel): NotifyChannelDto {
  return {
    id: channel.id,
    type: channel.type,
    name: channel.name,
    target: channel.type === 'email' ? channel.target : maskUrl(channel.target),
    ...(channel.type === 'webhook'
      ? { secret: channel.secret ? `whsec_…${channel.secret.slice(-4)}` : '' }
      : {}),
    kinds: [...channel.kinds],
    enabled: channel.enabled,
    createdAt: new Date(channel.createdAt).toISOString(),
  };
}

export function presentDeadLetter(letter: DeadLetterRecord): DeadLetterDto {
  const recipient = letter.recipient;
  return {
    id: letter._id,
    kind: letter.kind,
    channel: recipient.label ?? recipient.type,
    recipient: recipient.type === 'email' ? recipient.target : maskUrl(recipient.target),
    title: letter.title,
    error: letter.error,
    attempts: letter.attempts,
    diedAt: new Date(letter.diedAt).toISOString(),
  };
}

/** How the page names each kind. */
export const KIND_LABELS: Record<string, string> = {
  handoff_new: 'New handoff',
  handoff_urgent: 'Urgent handoff',
  assigned: 'Assigned to someone',
  learner_replied: 'Learner replied',
  sla_warning: 'SLA warning',
  sla_breach: 'SLA breach',
  sla_escalation: 'Escalation',
  digest: 'Digest',
  lead_new: 'New lead (sales)',
};
