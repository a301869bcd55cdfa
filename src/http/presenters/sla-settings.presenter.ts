import { PRIORITIES, type Priority } from '../../conversations/conversation.types.js';
import type { SlaSettings } from '../../sla/sla-settings.model.js';
import type { VersionedSlaSettings } from '../../sla/sla-settings.service.js';
import { buildTenantSla } from '../../sla/tenant-sla.js';

/** When a handoff of each priority made now would be answered, with the saved settings. */
export interface ReplyByPreview {
  priority: Priority;
  /** ISO instant. */
  at: string;
  /** "Monday 12:00, New York time" (today/tomorrow when they apply). */
  text: string;
}

/** A tenant's hours and SLA settings as the page and API clients see them (no tenant or author ids). */
export interface SlaSettingsDto extends SlaSettings {
  version: number;
  updatedAt: string | null;
  preview: ReplyByPreview[];
}

export function presentSlaSettings(input: VersionedSlaSettings, now = new Date()): SlaSettingsDto {
  const { settings } = input;
  let preview: ReplyByPreview[] = [];
  try {
    const sla = buildTenantSla(settings, input.version);
    preview = PRIORITIES.map((priority) => {
      const target = sla.choose({ priority }).targets.first_response;
      const at = target ? sla.dueAt(target, now) : now;
      return { priority, at: at.toISOString(), text: sla.calendar.describe(at, 'en', now) };
    });
  } catch {
    // Stored settings are validated on save; an unusable calendar just shows no preview.
  }
  return {
    timeZone: settings.timeZone,
    weeklyHours: settings.weeklyHours,
    closures: settings.closures.map(({ name, start, end, source }) => ({ name, start, end, source })),
    academicPeriods: settings.academicPeriods,
    policies: settings.policies,
    defaultPolicyId: settings.defaultPolicyId,
    rules: settings.rules,
    warnShare: settings.warnShare,
    pauseWhileWaitingOnLearner: settings.pauseWhileWaitingOnLearner,
    escalation: settings.escalation,
    digest: settings.digest,
    version: input.version,
    updatedAt: input.updatedAt ? new Date(input.updatedAt).toISOString() : null,
    preview,
  };
}
