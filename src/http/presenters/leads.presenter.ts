import type { Lead } from '../../leads/lead.model.js';

/** A lead as the Leads page shows it. */
export interface LeadDto {
  id: string;
  /** `captured`: details left; `asked`: the form is offered; `declined`: the prospect said no thanks. */
  stage: Lead['stage'];
  status: Lead['status'];
  owner: { userId: string; name?: string } | null;
  name: string;
  email: string;
  freeMail: boolean;
  organisation: string;
  role: string | null;
  interest: string | null;
  message: string;
  courseId: string | null;
  conversationId: string;
  signals: string[];
  consent: { text: string; at: string } | null;
  /** When the details were left, else when the enquiry came. */
  capturedAt: string;
  updatedAt: string;
  version: number;
  notes: Array<{ id: string; authorName: string | null; text: string; at: string }>;
}

export function presentLead(lead: Lead): LeadDto {
  const contact = lead.contact;
  return {
    id: String(lead._id),
    stage: lead.stage,
    status: lead.status,
    owner: lead.owner
      ? { userId: lead.owner.userId, ...(lead.owner.name ? { name: lead.owner.name } : {}) }
      : null,
    name: contact?.name ?? '',
    email: contact?.email ?? '',
    freeMail: contact?.freeMail ?? false,
    organisation: contact?.organisation ?? '',
    role: contact?.role ?? null,
    interest: contact?.interest ?? null,
    message: lead.message,
    courseId: lead.courseId ? String(lead.courseId) : null,
    conversationId: String(lead.conversationId),
    signals: lead.signals ?? [],
    consent: lead.consent ? { text: lead.consent.text, at: new Date(lead.consent.at).toISOString() } : null,
    capturedAt: new Date(lead.capturedAt ?? lead.askedAt ?? lead.updatedAt).toISOString(),
    updatedAt: new Date(lead.updatedAt).toISOString(),
    version: lead.version ?? 0,
    notes: (lead.notes ?? []).map((note) => ({
      id: note.id,
      authorName: note.authorName ?? null,
      text: note.text,
      at: new Date(note.at).toISOString(),
    })),
  };
}

/** The CSV export's header and one row per lead (cells escaped by `toCsv`). */
export const LEAD_CSV_HEADER = [
  'Captured at',
  'Status',
  'Owner',
  'Name',
  'Email',
  'Free-mail address',
  'Organisation',
  'Role',
  'Interest',
  'Message',
  'Consent',
  'Consent at',
  'Notes',
  'Details',
] as const;

export function leadCsvRow(lead: LeadDto): unknown[] {
  return [
    lead.capturedAt,
    lead.status,
    lead.owner?.name ?? lead.owner?.userId ?? '',
    lead.name,
    lead.email,
    lead.freeMail ? 'yes' : 'no',
    lead.organisation,
    lead.role ?? '',
    lead.interest ?? '',
    lead.message,
    lead.consent?.text ?? '',
    lead.consent?.at ?? '',
    lead.notes.map((note) => `${note.authorName ?? 'Staff'} (${note.at}): ${note.text}`).join('\n'),
    DETAILS_LABEL[lead.stage],
  ];
}

/** Whether the prospect left their details, in the words the page and the CSV use. */
export const DETAILS_LABEL: Record<LeadDto['stage'], string> = {
  captured: 'left',
  asked: 'form offered, none left yet',
  declined: 'declined the form',
};
