import { LRUCache } from 'lru-cache';
import { Types } from 'mongoose';
import { KeywordRuleModel } from '../handoff/keyword-rule.model.js';
import { AppError } from '../lib/errors.js';
import { DeploymentModel } from './deployment.model.js';
import { type Tenant, TenantModel } from './tenant.model.js';

export interface DeploymentKey {
  issuer: string;
  clientId: string;
  deploymentId: string;
}

/**
 * The keyword rules every new tenant starts with, as editable defaults (Settings → Handoff). "admin help"
 * sets no targets of its own: its handoff is announced on the channels the tenant chooses for new
 * handoffs (Settings → Notifications).
 */
export const DEFAULT_KEYWORD_RULES = [
  { name: 'Access problems', pattern: "can't access", category: 'Access', priority: 'high', order: 0 },
  { name: 'Grade errors', pattern: 'grade error', category: 'Grades', priority: 'normal', order: 1 },
  { name: 'Admin help', pattern: 'admin help', category: 'Admin help', priority: 'normal', order: 2 },
] as const;

/** Creates an institution, with the default keyword rules (created once, here; admins edit them after). */
export async function createTenant(input: {
  name: string;
  timeZone?: string;
  locale?: string;
}): Promise<Tenant> {
  const tenant = (await TenantModel.create(input)).toObject();
  const now = new Date();
  await KeywordRuleModel.insertMany(
    DEFAULT_KEYWORD_RULES.map((rule) => ({
      ...rule,
      kind: 'phrase',
      notify: [],
      enabled: true,
      tenantId: tenant._id,
      createdAt: now,
      updatedAt: now,
    })),
  );
  return tenant;
}

/** Deployment lookups run on every launch; cached briefly per process (see PLATFORM_CACHE_TTL_MS). */
const deploymentCache = new LRUCache<string, { tenant: Tenant | null }>({ max: 10_000, ttl: 30_000 });

/** The tenant a deployment belongs to, or null when the deployment is not on the allowlist. */
export async function findTenantForDeployment(key: DeploymentKey): Promise<Tenant | null> {
  const cacheKey = `${key.issuer}\u0000${key.clientId}\u0000${key.deploymentId}`;
  const cached = deploymentCache.get(cacheKey);
  if (cached) return cached.tenant;
  const deployment = await DeploymentModel.findOne(key).lean();
  const tenant = deployment ? await TenantModel.findById(deployment.tenantId).lean() : null;
  deploymentCache.set(cacheKey, { tenant });
  return tenant;
}

/**
 * Allows launches from a deployment. Without a tenant id the deployment joins the tenant that already
 * owns the platform's other deployments (Moodle, Canvas), or a new tenant named `tenantName` (Blackboard:
 * each deployment is its own institution).
 */
export async function addDeployment(
  key: DeploymentKey,
  options: { tenantId?: string; tenantName?: string } = {},
): Promise<{ tenant: Tenant; created: boolean }> {
  const existing = await DeploymentModel.findOne(key).lean();
  if (existing) {
    const tenant = await TenantModel.findById(existing.tenantId).lean();
    if (tenant) return { tenant, created: false };
  }
  let tenant: Tenant | null = null;
  if (options.tenantId) {
    if (!Types.ObjectId.isValid(options.tenantId))
      throw new AppError('bad_request', 'That tenant id is not valid.');
    tenant = await TenantModel.findById(options.tenantId).lean();
    if (!tenant) throw new AppError('not_found', `Tenant ${options.tenantId} was not found.`);
  } else if (!options.tenantName) {
    const sibling = await DeploymentModel.findOne({ issuer: key.issuer, clientId: key.clientId }).lean();
    if (sibling) tenant = await TenantModel.findById(sibling.tenantId).lean();
  }
  tenant ??= await createTenant({ name: options.tenantName ?? new URL(key.issuer).hostname });
  deploymentCache.clear();
  try {
    await DeploymentModel.create({ ...key, tenantId: tenant._id });
  } catch (error) {
    // Two processes adding the same deployment at once: the unique index lets one win; both end the same.
    if ((error as { code?: number }).code !== 11000) throw error;
  }
  return { tenant, created: true };
}

/** Stops accepting launches from a deployment; its tenant and data stay. */
export async function removeDeployment(key: DeploymentKey): Promise<boolean> {
  deploymentCache.clear();
  return (await DeploymentModel.deleteOne(key)).deletedCount > 0;
}

/** Every deployment of a platform (or all), with tenant names, for the CLI. */
export async function listDeployments(filter: Partial<Pick<DeploymentKey, 'issuer' | 'clientId'>> = {}) {
  const deployments = await DeploymentModel.find(filter)
    .sort({ issuer: 1, clientId: 1, deploymentId: 1 })
    .lean();
  const tenants = await TenantModel.find({ _id: { $in: deployments.map((d) => d.tenantId) } }).lean();
  const names = new Map(tenants.map((tenant) => [String(tenant._id), tenant.name]));
  return deployments.map((deployment) => ({
    issuer: deployment.issuer,
    clientId: deployment.clientId,
    deploymentId: deployment.deploymentId,
    tenantId: String(deployment.tenantId),
    tenantName: names.get(String(deployment.tenantId)) ?? '(missing)',
  }));
}

/** Removes every deployment of a platform (used when the platform is removed). */
export async function removePlatformDeployments(issuer: string, clientId: string): Promise<number> {
  deploymentCache.clear();
  return (await DeploymentModel.deleteMany({ issuer, clientId })).deletedCount;
}
