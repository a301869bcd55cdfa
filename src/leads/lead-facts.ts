import { CourseModel } from '../courses/course.model.js';
import { findInTenant } from '../db/by-id.js';
import type { LeadFacts } from '../notify/notify.types.js';
import { LeadModel } from './lead.model.js';

/** A captured lead as sales channels show it (tenant-scoped; undefined when not found or not captured). */
export async function leadFacts(tenantId: string, leadId: string): Promise<LeadFacts | undefined> {
  const lead = await findInTenant(LeadModel, leadId, tenantId);
  if (lead?.stage !== 'captured' || !lead.contact || !lead.consent) return undefined;
  const course = lead.courseId
    ? await findInTenant(CourseModel, lead.courseId, tenantId, { title: 1, label: 1 })
    : null;
  return {
    leadId: String(lead._id),
    name: lead.contact.name,
    email: lead.contact.email,
    freeMail: lead.contact.freeMail,
    organisation: lead.contact.organisation,
    ...(lead.contact.role ? { role: lead.contact.role } : {}),
    ...(lead.contact.interest ? { interest: lead.contact.interest } : {}),
    message: lead.message,
    ...(course?.title || course?.label ? { course: course.title ?? course.label } : {}),
    signals: lead.signals,
    consent: { text: lead.consent.text, at: lead.consent.at.toISOString() },
    capturedAt: (lead.capturedAt ?? lead.updatedAt).toISOString(),
  };
}
