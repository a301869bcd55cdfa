import type { z } from 'zod';
import { DEFAULT_MESSAGE_MAX_CHARS } from '../conversations/message-limit.js';
import { objectId } from '../events/ids.js';
import { AppError } from '../lib/errors.js';
import {
  type HandoffSettingsPatch,
  handoffSettingsPatchSchema,
  type KeywordRuleInputData,
  keywordRuleInputSchema,
} from './handoff-config.schema.js';
import {
  defaultHandoffSettings,
  type HandoffSettings,
  HandoffSettingsModel,
} from './handoff-settings.model.js';
import { type KeywordRule, KeywordRuleModel } from './keyword-rule.model.js';
import {
  type CompiledRule,
  compileRulePattern,
  compileRules,
  type KeywordRuleInput,
  UnsafePatternError,
} from './keyword-rules.js';

/** A keyword rule as services return it. */
export type KeywordRuleView = KeywordRuleInput & { order: number; createdAt: string; updatedAt: string };

/**
 * Merges stored (partial) settings over the defaults, nested objects included (`messageMaxChars`: config
 * MESSAGE_MAX_CHARS, the default learner limit).
 */
export function mergeSettings(
  stored: Partial<HandoffSettings> | undefined,
  messageMaxChars: number,
): HandoffSettings {
  const s = stored ?? {};
  const d = defaultHandoffSettings(messageMaxChars);
  return {
    ...d,
    ...s,
    humanRequest: { ...d.humanRequest, ...s.humanRequest },
    lowConfidence: {
      ...d.lowConfidence,
      ...s.lowConfidence,
      streak: { ...d.lowConfidence.streak, ...s.lowConfidence?.streak },
    },
    keywordRules: { ...d.keywordRules, ...s.keywordRules },
    schedule: { ...d.schedule, ...s.schedule },
    urgentRules: s.urgentRules ?? d.urgentRules,
  };
}

const toRuleView = (rule: KeywordRule): KeywordRuleView => ({
  id: String(rule._id),
  name: rule.name,
  kind: rule.kind,
  pattern: rule.pattern,
  category: rule.category,
  priority: rule.priority,
  notify: rule.notify.map((n) => ({ type: n.type, target: n.target })),
  enabled: rule.enabled,
  order: rule.order,
  createdAt: rule.createdAt.toISOString(),
  updatedAt: rule.updatedAt.toISOString(),
});

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success)
    throw new AppError('bad_request', 'Some settings are not valid.', {
      issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  return result.data;
}

/**
 * A tenant's handoff configuration: settings and keyword rules. Reads are cached per process for a few
 * seconds (they run on every message); writes clear this process's cache, and the settings routes announce
 * them on the live bus so every other process forgets its copy too (src/app/settings-sync.ts).
 */
export class HandoffConfigService {
  private readonly settingsCache = new Map<string, { value: HandoffSettings; expires: number }>();
  private readonly rulesCache = new Map<string, { value: CompiledRule[]; expires: number }>();
  private readonly messageMaxChars: number;
  private readonly patchSchema: ReturnType<typeof handoffSettingsPatchSchema>;

  /**
   * `messageMaxChars`: config MESSAGE_MAX_CHARS, the default learner limit and the highest a tenant may set
   * (the product's processes pass theirs; readers that never look at the limit may leave it out).
   */
  constructor(private readonly options: { cacheMs?: number; messageMaxChars?: number } = {}) {
    this.messageMaxChars = options.messageMaxChars ?? DEFAULT_MESSAGE_MAX_CHARS;
    this.patchSchema = handoffSettingsPatchSchema(this.messageMaxChars);
  }

  private get cacheMs() {
    return this.options.cacheMs ?? 5000;
  }

  /** Drops this process's cached settings and rules of a tenant (another process saved them). */
  forget(tenantId: string): void {
    this.settingsCache.delete(tenantId);
    this.rulesCache.delete(tenantId);
  }

  /** The tenant's settings, defaults filled in. */
  async getSettings(tenantId: string): Promise<HandoffSettings> {
    const hit = this.settingsCache.get(tenantId);
    if (hit && hit.expires > Date.now()) return hit.value;
    const record = await HandoffSettingsModel.findOne({ tenantId: objectId(tenantId, 'Tenant') }).lean();
    const value = mergeSettings(record?.settings, this.messageMaxChars);
    this.settingsCache.set(tenantId, { value, expires: Date.now() + this.cacheMs });
    return value;
  }

  /** Applies a validated partial update and returns the full settings. */
  async updateSettings(tenantId: string, patch: HandoffSettingsPatch): Promise<HandoffSettings> {
    const data = parse(this.patchSchema, patch);
    const current = await HandoffSettingsModel.findOne({ tenantId: objectId(tenantId, 'Tenant') }).lean();
    const max = this.messageMaxChars;
    const merged = mergeSettings(
      { ...(current?.settings ?? {}), ...(data as Partial<HandoffSettings>) },
      max,
    );
    // Nested partials (e.g. only lowConfidence.streak.learner) merge over the current values, not defaults.
    if (data.lowConfidence)
      merged.lowConfidence = {
        ...mergeSettings(current?.settings, max).lowConfidence,
        ...data.lowConfidence,
        streak: {
          ...mergeSettings(current?.settings, max).lowConfidence.streak,
          ...data.lowConfidence.streak,
        },
      };
    await HandoffSettingsModel.updateOne(
      { tenantId: objectId(tenantId, 'Tenant') },
      { $set: { settings: merged } },
      { upsert: true },
    );
    this.settingsCache.delete(tenantId);
    return merged;
  }

  /** The tenant's rules in order, for the settings page. */
  async listRules(tenantId: string): Promise<KeywordRuleView[]> {
    const rules = await KeywordRuleModel.find({ tenantId: objectId(tenantId, 'Tenant') })
      .sort({ order: 1, createdAt: 1 })
      .lean<KeywordRule[]>();
    return rules.map(toRuleView);
  }

  /** The tenant's enabled rules, compiled, for matching messages. */
  async compiledRules(tenantId: string): Promise<CompiledRule[]> {
    const hit = this.rulesCache.get(tenantId);
    if (hit && hit.expires > Date.now()) return hit.value;
    const value = compileRules(await this.listRules(tenantId));
    this.rulesCache.set(tenantId, { value, expires: Date.now() + this.cacheMs });
    return value;
  }

  /** Creates a rule after checking its pattern compiles safely. */
  async createRule(
    tenantId: string,
    input: KeywordRuleInputData,
    createdBy?: string,
  ): Promise<KeywordRuleView> {
    const data = parse(keywordRuleInputSchema, input);
    checkPattern(data.kind, data.pattern);
    const rule = await KeywordRuleModel.create({
      ...data,
      tenantId: objectId(tenantId, 'Tenant'),
      createdBy: createdBy ? objectId(createdBy, 'User') : undefined,
    });
    this.rulesCache.delete(tenantId);
    return toRuleView(rule.toObject());
  }

  /** Replaces a rule's fields (scoped by tenant: another tenant's rule is "not found"). */
  async updateRule(tenantId: string, ruleId: string, input: KeywordRuleInputData): Promise<KeywordRuleView> {
    const data = parse(keywordRuleInputSchema, input);
    checkPattern(data.kind, data.pattern);
    const filter = { _id: objectId(ruleId, 'Rule'), tenantId: objectId(tenantId, 'Tenant') };
    // updateOne, not findOneAndUpdate: FerretDB runs the latter without isolation.
    const result = await KeywordRuleModel.updateOne(filter, { $set: data });
    const rule = result.matchedCount ? await KeywordRuleModel.findOne(filter).lean<KeywordRule>() : null;
    if (!rule) throw new AppError('not_found', 'Rule was not found.');
    this.rulesCache.delete(tenantId);
    return toRuleView(rule);
  }

  /** Deletes a rule of the tenant. */
  async deleteRule(tenantId: string, ruleId: string): Promise<void> {
    const result = await KeywordRuleModel.deleteOne({
      _id: objectId(ruleId, 'Rule'),
      tenantId: objectId(tenantId, 'Tenant'),
    });
    if (result.deletedCount === 0) throw new AppError('not_found', 'Rule was not found.');
    this.rulesCache.delete(tenantId);
  }
}

function checkPattern(kind: 'phrase' | 'regex', pattern: string): void {
  try {
    compileRulePattern(kind, pattern);
  } catch (error) {
    if (error instanceof UnsafePatternError)
      throw new AppError('unprocessable', error.message, { field: 'pattern' });
    throw error;
  }
}
