import type { z } from 'zod';
import { objectId } from '../events/ids.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { closuresFromIcs, fetchIcs } from './ics-import.js';
import type { Closure, SlaSettings } from './sla-settings.model.js';
import {
  fieldName,
  type SlaSettingsPatch,
  slaSettingsPatchSchema,
  slaSettingsSchema,
} from './sla-settings.schema.js';
import type { SlaSettingsStore } from './sla-settings-store.js';
import { buildTenantSla, invalidateTenantSla, loadSlaSettings } from './tenant-sla.js';

/** A tenant's settings with the version they were read at (0: nothing stored yet, the defaults). */
export interface VersionedSlaSettings {
  settings: SlaSettings;
  version: number;
  updatedAt?: Date;
}

export interface IcsImportInput {
  /** The calendar's text (an uploaded file). */
  ics?: string;
  /** Or where to fetch it. */
  url?: string;
}

export interface IcsImportOutcome extends VersionedSlaSettings {
  imported: number;
  skipped: number;
}

export interface SlaSettingsServiceDeps {
  /**
   * Called after every save with the new version: the composition enqueues the `sla` job `retime`
   * (`sla-retime-<tenant>-<version>`) so running clocks follow. Never called for a refused save.
   */
  onChange?: (tenantId: string, version: number) => Promise<void>;
  /** Allow .ics URLs on loopback and private networks (development and test only). */
  allowPrivateUrls?: boolean;
  fetchTimeoutMs?: number;
  logger?: Logger;
  store: SlaSettingsStore;
}

/** The first zod problem as a 400 naming the field. */
function parseOrRefuse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = fieldName(issue?.path ?? []);
  throw new AppError(
    'bad_request',
    field ? `${field}: ${issue?.message}` : (issue?.message ?? 'is not valid'),
    {
      field: field || undefined,
    },
  );
}

/**
 * A tenant's business hours and SLA policies: read (defaults until a lead saves), change with validation
 * (one conditional write of one document: a refused or conflicting save changes nothing), and .ics import.
 */
export class SlaSettingsService {
  private readonly store: SlaSettingsStore;

  constructor(private readonly deps: SlaSettingsServiceDeps) {
    this.store = deps.store;
  }

  async get(tenantId: string): Promise<VersionedSlaSettings> {
    this.requireTenant(tenantId);
    return loadSlaSettings(tenantId, this.store);
  }

  /**
   * Applies a change (any top-level settings; the rest keep their values). With `version`, refuses (409)
   * when someone saved in between. Returns the saved settings and their new version.
   */
  async update(tenantId: string, patch: unknown, actorId?: string): Promise<VersionedSlaSettings> {
    const { version: expected, ...changes } = parseOrRefuse(
      slaSettingsPatchSchema,
      patch ?? {},
    ) as SlaSettingsPatch;
    const current = await this.get(tenantId);
    if (expected !== undefined && expected !== current.version)
      throw new AppError(
        'conflict',
        'version: these settings were changed by someone else since you opened them; reload to see their changes.',
        { field: 'version' },
      );
    const merged = { ...current.settings, ...changes };
    return this.save(tenantId, merged, current.version, actorId);
  }

  /**
   * Imports closures from an .ics file or URL: they replace the closures of an earlier import and keep those
   * typed by hand. A malformed file or unreachable URL is a 400 and nothing is saved.
   */
  async importIcs(tenantId: string, input: IcsImportInput, actorId?: string): Promise<IcsImportOutcome> {
    this.requireTenant(tenantId);
    let text: string;
    let field: string;
    if (typeof input.ics === 'string') {
      text = input.ics;
      field = 'file';
    } else if (typeof input.url === 'string' && input.url.trim()) {
      text = await fetchIcs(input.url, {
        allowPrivate: this.deps.allowPrivateUrls ?? false,
        timeoutMs: this.deps.fetchTimeoutMs,
      });
      field = 'url';
    } else
      throw new AppError('bad_request', 'file: choose an .ics file or give a calendar URL', {
        field: 'file',
      });
    const { closures, skipped } = closuresFromIcs(text, { field });
    if (closures.length === 0)
      throw new AppError(
        'bad_request',
        `${field}: the calendar has no all-day events from today on to import as closures${skipped ? ` (${skipped} skipped: timed or past events)` : ''}`,
        { field },
      );
    const current = await this.get(tenantId);
    const manual = current.settings.closures.filter((c) => c.source !== 'ics');
    const key = (c: { name: string; start: string; end: string }) => `${c.name}|${c.start}|${c.end}`;
    const typed = new Set(manual.map(key));
    const imported: Closure[] = closures
      .filter((c) => !typed.has(key(c)))
      .map((c) => ({ ...c, source: 'ics' }));
    const saved = await this.save(
      tenantId,
      { ...current.settings, closures: [...manual, ...imported] },
      current.version,
      actorId,
      'closures',
    );
    return { ...saved, imported: imported.length, skipped };
  }

  private requireTenant(tenantId: string) {
    return objectId(tenantId, 'This institution');
  }

  /** Validates the whole result, then writes it in one conditional single-document update. */
  private async save(
    tenantId: string,
    candidate: unknown,
    readVersion: number,
    actorId?: string,
    fieldPrefix?: string,
  ): Promise<VersionedSlaSettings> {
    let settings: SlaSettings;
    try {
      settings = parseOrRefuse(slaSettingsSchema, candidate) as SlaSettings;
    } catch (error) {
      // An import that produced a bad closure is the file's fault, said as such.
      if (fieldPrefix && error instanceof AppError)
        throw new AppError('bad_request', `file: ${error.message}`, error.details);
      throw error;
    }
    try {
      // The calendar must be usable: closures and periods may not leave nothing open for 400 days.
      buildTenantSla(settings).calendar.nextOpen(new Date());
    } catch (error) {
      throw new AppError(
        'bad_request',
        'closures: the calendar has no open hours in the next 400 days (closures and academic periods cover them all)',
        { field: 'closures', cause: (error as Error).message },
      );
    }
    this.requireTenant(tenantId);
    const version = readVersion + 1;
    const doc = await this.store.save(tenantId, settings, readVersion, actorId);
    if (!doc)
      throw new AppError(
        'conflict',
        'version: these settings were changed by someone else at the same time; reload and try again.',
        { field: 'version' },
      );
    invalidateTenantSla(tenantId);
    if (this.deps.onChange) {
      // Saved is saved: a queue outage must not turn into an error for a change that is already stored
      // (the timers' sweep repairs clocks that a missed re-time left behind).
      await this.deps
        .onChange(tenantId, version)
        .catch((error) =>
          this.deps.logger?.warn({ err: error, tenantId, version }, 'SLA re-time could not be queued'),
        );
    }
    return { settings, version, updatedAt: doc.updatedAt };
  }
}
