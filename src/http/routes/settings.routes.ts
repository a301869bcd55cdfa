import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config/env.js';
import type { NotifyTarget } from '../../handoff/handoff.types.js';
import {
  handoffSettingsPatchSchema,
  type KeywordRuleInputData,
  keywordRuleInputSchema,
  notifyTargetSchema,
} from '../../handoff/handoff-config.schema.js';
import type { HandoffConfigService, KeywordRuleView } from '../../handoff/handoff-config.service.js';
import type { HandoffSettings } from '../../handoff/handoff-settings.model.js';
import { isEmailAddress } from '../../lib/email-address.js';
import { AppError } from '../../lib/errors.js';
import type { LiveBus } from '../../live/live-bus.js';
import { publishSettingsChange } from '../../live/settings-channel.js';
import { checkChannelUrl } from '../../notify/channels/url-safety.js';
import { requireSession } from '../middleware/session.js';
import { parseInput as parse } from '../validate.js';
import { pageContext } from './pages.routes.js';

/** A tenant's handoff settings as the settings page and API clients see them. */
export interface HandoffSettingsDto {
  humanRequest: { enabled: boolean };
  lowConfidence: {
    enabled: boolean;
    confidenceThreshold: number;
    streak: { learner: number; instructor: number; admin: number };
  };
  keywordRules: { enabled: boolean };
  schedule: { enabled: boolean };
  urgentRules: Array<{
    name: string;
    roles: string[];
    categories: string[];
    courseIds: string[];
    priority: string;
  }>;
  reopenWindowDays: number;
  messagesPerMinute: number;
  maxMessageLength: number;
  staffPresenceSeconds: number;
}

/** A keyword rule as the settings page and API clients see it: no tenant or author ids. */
export interface KeywordRuleDto {
  id: string;
  name: string | null;
  kind: 'phrase' | 'regex';
  pattern: string;
  category: string;
  priority: string;
  notify: NotifyTarget[];
  enabled: boolean;
  order: number;
  createdAt: string;
  updatedAt: string;
}

export function presentHandoffSettings(settings: HandoffSettings): HandoffSettingsDto {
  const { lowConfidence } = settings;
  return {
    humanRequest: { enabled: settings.humanRequest.enabled },
    lowConfidence: {
      enabled: lowConfidence.enabled,
      confidenceThreshold: lowConfidence.confidenceThreshold,
      streak: {
        learner: lowConfidence.streak.learner,
        instructor: lowConfidence.streak.instructor,
        admin: lowConfidence.streak.admin,
      },
    },
    keywordRules: { enabled: settings.keywordRules.enabled },
    schedule: { enabled: settings.schedule.enabled },
    urgentRules: settings.urgentRules.map((rule) => ({
      name: rule.name,
      roles: [...rule.roles],
      categories: [...rule.categories],
      courseIds: [...rule.courseIds],
      priority: rule.priority,
    })),
    reopenWindowDays: settings.reopenWindowDays,
    messagesPerMinute: settings.messagesPerMinute,
    maxMessageLength: settings.maxMessageLength,
    staffPresenceSeconds: settings.staffPresenceSeconds,
  };
}

export function presentKeywordRule(rule: KeywordRuleView): KeywordRuleDto {
  // The domain view already holds only what admins may see; JSON clients get null for an unnamed rule.
  return { ...rule, name: rule.name ?? null };
}

/** Microsoft Teams incoming webhooks and Workflows (Power Automate) URLs. */
const TEAMS_HOST = /(^|\.)(webhook\.office\.com|logic\.azure\.com|powerplatform\.com|powerautomate\.com)$/i;

/**
 * One notify entry typed by a person: an email address, or an http(s) URL (Slack hooks become `slack`,
 * Teams webhook and Workflows URLs `teams`, anything else `webhook`). Whether the URL may be used (no
 * private addresses in production) is checked after parsing, by {@link checkNotifyTargets}.
 */
function notifyTarget(entry: string): NotifyTarget {
  if (isEmailAddress(entry)) return { type: 'email', target: entry };
  let url: URL | null = null;
  try {
    url = new URL(entry);
  } catch {
    url = null;
  }
  if (url?.protocol === 'https:' || url?.protocol === 'http:') {
    const type =
      url.hostname === 'hooks.slack.com' ? 'slack' : TEAMS_HOST.test(url.hostname) ? 'teams' : 'webhook';
    return { type, target: url.toString() };
  }
  throw new AppError('bad_request', `notify: "${entry}" is not an email address or an http(s):// URL.`);
}

/** URL targets must be http(s) and, in production, point at public addresses only (400 naming the entry). */
async function checkNotifyTargets(notify: NotifyTarget[] | undefined, production: boolean): Promise<void> {
  for (const [index, target] of (notify ?? []).entries())
    if (target.type === 'slack' || target.type === 'teams' || target.type === 'webhook')
      await checkChannelUrl(target.target, `notify.${index}`, { production });
}

/** `notify` as a list of targets, or as the comma-separated text the settings page sends. */
const notifyInput = z
  .union([z.string().max(5000), z.array(notifyTargetSchema).max(20)])
  .transform((value): NotifyTarget[] =>
    typeof value === 'string'
      ? value
          .split(/[,;\n]/)
          .map((entry) => entry.trim())
          .filter(Boolean)
          .map(notifyTarget)
      : value,
  );

/** Creating a rule: the domain's input, with `notify` also accepted as comma-separated text. */
const ruleBody = keywordRuleInputSchema.omit({ notify: true }).extend({ notify: notifyInput.optional() });
/** Changing a rule: any of its fields; the rest keep their current value. */
const rulePatch = z
  .object({
    name: z.string().trim().max(100),
    kind: z.enum(['phrase', 'regex']),
    pattern: z.string().trim().min(1).max(200),
    category: z.string().trim().min(1).max(60),
    priority: z.enum(['low', 'normal', 'high', 'urgent']),
    notify: notifyInput,
    enabled: z.boolean(),
    order: z.number().int().min(0).max(10_000),
  })
  .partial()
  .strict();

/** A rule id: 24 hex digits. Anything else cannot be one of this tenant's rules. */
const ruleParams = z.object({ id: z.string().regex(/^[0-9a-fA-F]{24}$/) });

const notFoundRule = () => new AppError('not_found', 'That keyword rule was not found.');

const ruleId = (params: unknown): string => {
  const parsed = ruleParams.safeParse(params);
  if (!parsed.success) throw notFoundRule();
  return parsed.data.id;
};

/** Another tenant's rule (or a deleted one) is simply "not found", with this page's wording. */
const asNotFound = (error: unknown): never => {
  throw error instanceof AppError && error.code === 'not_found' ? notFoundRule() : error;
};

export interface SettingsRouteDeps {
  /** MESSAGE_MAX_CHARS: the highest learner limit a tenant may set. */
  config: Pick<Config, 'LTI_ENCRYPTION_KEY' | 'MESSAGE_MAX_CHARS'> & Partial<Pick<Config, 'NODE_ENV'>>;
  handoff: HandoffConfigService;
  /** The live bus: a save is announced so every process drops its cached copy (absent: this process only). */
  bus?: Pick<LiveBus, 'channel' | 'publish'>;
}

/**
 * The admin "Handoff settings" page and its API: which triggers hand a thread to people, their thresholds,
 * and keyword rules. Admins only; everything is scoped to the session's tenant.
 */
export function settingsRoutes({ config, handoff, bus }: SettingsRouteDeps): Router {
  const router = Router();
  const admin = requireSession(config.LTI_ENCRYPTION_KEY, ['admin']);
  const handoffPatch = handoffSettingsPatchSchema(config.MESSAGE_MAX_CHARS).strict();
  // Announced before the answer: the next message, on whichever process, meets the saved rules.
  const announce = async (tenantId: string) => {
    if (bus) await publishSettingsChange(bus, { tenantId, kind: 'handoff' });
  };

  router.get('/settings', admin, async (_req, res) => {
    res.render('settings', {
      ...(await pageContext(res.locals.session)),
      // This admin page is in English only (its strings are not translated); say so whatever the launch locale.
      lang: 'en',
    });
  });

  router.get('/api/settings/handoff', admin, async (_req, res) => {
    const settings = await handoff.getSettings(res.locals.session.tenantId);
    res.json({ data: presentHandoffSettings(settings) });
  });

  router.patch('/api/settings/handoff', admin, async (req, res) => {
    const patch = parse(handoffPatch, req.body ?? {});
    const settings = await handoff.updateSettings(res.locals.session.tenantId, patch);
    await announce(res.locals.session.tenantId);
    res.json({ data: presentHandoffSettings(settings) });
  });

  router.get('/api/settings/keyword-rules', admin, async (_req, res) => {
    const rules = await handoff.listRules(res.locals.session.tenantId);
    res.json({ data: rules.map(presentKeywordRule) });
  });

  router.post('/api/settings/keyword-rules', admin, async (req, res) => {
    const session = res.locals.session;
    const body = parse(ruleBody, req.body ?? {});
    await checkNotifyTargets(body.notify, config.NODE_ENV === 'production');
    const rule = await handoff.createRule(session.tenantId, body, session.userId);
    await announce(session.tenantId);
    res.status(201).json({ data: presentKeywordRule(rule) });
  });

  router.patch('/api/settings/keyword-rules/:id', admin, async (req, res) => {
    const tenantId = res.locals.session.tenantId;
    const id = ruleId(req.params);
    const patch = parse(rulePatch, req.body ?? {});
    await checkNotifyTargets(patch.notify, config.NODE_ENV === 'production');
    const current = (await handoff.listRules(tenantId)).find((rule) => rule.id === id);
    if (!current) throw notFoundRule();
    const merged: KeywordRuleInputData = {
      name: current.name,
      kind: current.kind,
      pattern: current.pattern,
      category: current.category,
      priority: current.priority,
      notify: current.notify,
      enabled: current.enabled,
      order: current.order,
    };
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
    const rule = await handoff.updateRule(tenantId, id, merged).catch(asNotFound);
    await announce(tenantId);
    res.json({ data: presentKeywordRule(rule) });
  });

  router.delete('/api/settings/keyword-rules/:id', admin, async (req, res) => {
    await handoff.deleteRule(res.locals.session.tenantId, ruleId(req.params)).catch(asNotFound);
    await announce(res.locals.session.tenantId);
    res.status(204).end();
  });

  return router;
}
