import { model, Schema, Types } from 'mongoose';
import { z } from 'zod';
import { DEFAULT_SPIKE_RULE, type SpikeRule } from './topic-spikes.js';

/** A tenant's Insights settings (`_id`: the tenant): when a topic's week is a spike. */
interface InsightSettings {
  _id: Types.ObjectId;
  spike: SpikeRule;
  updatedAt: Date;
}

const insightSettingsSchema = new Schema<InsightSettings>(
  { spike: { type: Schema.Types.Mixed, required: true } },
  { collection: 'insight_settings', timestamps: { createdAt: false, updatedAt: true }, versionKey: false },
);

const InsightSettingsModel = model<InsightSettings>('InsightSettings', insightSettingsSchema);

export const spikeRuleSchema = z.object({
  factor: z.number({ error: 'a number, such as 2.' }).min(1, 'at least 1.').max(20, 'at most 20.'),
  minThreads: z
    .number({ error: 'a whole number.' })
    .int('a whole number.')
    .min(1, 'at least 1.')
    .max(10_000, 'at most 10,000.'),
  trailingWeeks: z
    .number({ error: 'a whole number.' })
    .int('a whole number.')
    .min(1, 'at least 1.')
    .max(12, 'at most 12.'),
});

/** The tenant's spike rule, or the default (2× the 4-week average and at least 5 threads). */
export async function loadSpikeRule(tenantId: string): Promise<SpikeRule> {
  if (!Types.ObjectId.isValid(tenantId)) return DEFAULT_SPIKE_RULE;
  const doc = await InsightSettingsModel.findById(tenantId).lean();
  const parsed = spikeRuleSchema.safeParse(doc?.spike);
  return parsed.success ? parsed.data : DEFAULT_SPIKE_RULE;
}

export async function saveSpikeRule(tenantId: string, rule: SpikeRule): Promise<SpikeRule> {
  await InsightSettingsModel.updateOne(
    { _id: new Types.ObjectId(tenantId) },
    { $set: { spike: rule } },
    { upsert: true },
  );
  return rule;
}
