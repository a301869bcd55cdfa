import { model, Schema } from 'mongoose';
import { z } from 'zod';
import { leadText } from './lead-messages.js';

/** A tenant's lead-capture settings: one document per tenant, `_id` the tenant id (read by `_id`). */
export interface LeadSettingsRecord {
  _id: string;
  /** The consent sentence next to the card's checkbox; empty: the product's own, in the learner's language. */
  consentText?: string;
  updatedAt: Date;
}

const leadSettingsSchema = new Schema<LeadSettingsRecord>(
  {
    _id: { type: String, required: true },
    consentText: { type: String, maxlength: 1000 },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'lead_settings', versionKey: false },
);

export const LeadSettingsModel = model<LeadSettingsRecord>('LeadSettings', leadSettingsSchema);

export const leadSettingsSchemaInput = z
  .object({ consentText: z.string().trim().max(1000, 'must be at most 1000 characters') })
  .strict();

/** The tenant's own consent sentence, or undefined when it uses the product's. */
export async function tenantConsentText(tenantId: string): Promise<string | undefined> {
  const settings = await LeadSettingsModel.findById(tenantId).lean();
  return settings?.consentText?.trim() || undefined;
}

/** The consent sentence a learner sees: the tenant's, else the product's in the learner's language. */
export async function consentTextFor(tenantId: string, locale?: string | null): Promise<string> {
  return (await tenantConsentText(tenantId)) ?? leadText('consent', locale);
}

/** Saves the tenant's consent sentence (empty: back to the product's). */
export async function saveLeadSettings(tenantId: string, input: { consentText: string }): Promise<void> {
  await LeadSettingsModel.updateOne(
    { _id: tenantId },
    { $set: { consentText: input.consentText, updatedAt: new Date() } },
    { upsert: true },
  );
}
