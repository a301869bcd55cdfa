import { z } from 'zod';
import { AppError } from '../lib/errors.js';
import { TenantModel } from '../tenants/tenant.model.js';

/** Whole days, 1 to 3650 (ten years), or null: keep threads. */
export const retentionDaysSchema = z
  .number({ message: 'must be a whole number of days, or empty to keep threads' })
  .int('must be a whole number of days')
  .min(1, 'must be at least 1 day')
  .max(3650, 'must be at most 3650 days (ten years)')
  .nullable();

const tenantRef = (tenantId: string) => {
  if (!/^[0-9a-fA-F]{24}$/.test(tenantId)) throw new AppError('not_found', `no tenant with id ${tenantId}`);
  return tenantId;
};

/** The tenant's retention days (null: threads are kept). */
export async function retentionDays(tenantId: string): Promise<number | null> {
  const tenant = await TenantModel.findById(tenantRef(tenantId), { retentionDays: 1 }).lean();
  if (!tenant) throw new AppError('not_found', `no tenant with id ${tenantId}`);
  return tenant.retentionDays ?? null;
}

/** Saves the tenant's retention days (stored on the tenant, read by the hourly retention job). */
export async function setRetentionDays(tenantId: string, days: number | null): Promise<number | null> {
  const parsed = retentionDaysSchema.safeParse(days);
  if (!parsed.success) throw new AppError('bad_request', `retentionDays: ${parsed.error.issues[0]?.message}`);
  const result = await TenantModel.updateOne(
    { _id: tenantRef(tenantId) },
    { $set: { retentionDays: parsed.data } },
  );
  if (!result.matchedCount) throw new AppError('not_found', `no tenant with id ${tenantId}`);
  return parsed.data;
}
