import { basename } from 'node:path';
import { Types } from 'mongoose';
import { findInTenant } from '../db/by-id.js';
import { AppError } from '../lib/errors.js';
import type { EvalQuestion } from './evaluation.js';
import { KnowledgeSourceModel } from './knowledge.models.js';
import { type LabelledMiss, LabelledMissModel, type MissLabel } from './labelled-miss.model.js';

/** One page of a tenant's misses, newest first, with the count still waiting for a label. */
export interface MissPage {
  misses: LabelledMiss[];
  page: number;
  perPage: number;
  total: number;
  unreviewed: number;
}

/** A label as an admin gives it: the document that answers the question, not covered, or dismissed. */
export type MissLabelInput =
  | { label: 'answerable'; sourceId: string }
  | { label: 'out_of_scope' }
  | { label: 'dismissed' };

const missNotFound = () => new AppError('not_found', 'That missed question was not found.');

const tenantOid = (tenantId: string) => {
  if (!Types.ObjectId.isValid(tenantId)) throw missNotFound();
  return new Types.ObjectId(tenantId);
};

/** A page of the tenant's misses (1-based; a page past the end is empty). */
export async function listMisses(tenantId: string, page: number, perPage: number): Promise<MissPage> {
  const tenant = tenantOid(tenantId);
  const [misses, total, unreviewed] = await Promise.all([
    LabelledMissModel.find({ tenantId: tenant })
      .sort({ recordedAt: -1, _id: -1 })
      .skip((page - 1) * perPage)
      .limit(perPage)
      .lean<LabelledMiss[]>(),
    LabelledMissModel.countDocuments({ tenantId: tenant }),
    LabelledMissModel.countDocuments({ tenantId: tenant, label: null }),
  ]);
  return { misses, page, perPage, total, unreviewed };
}

/** The number of the tenant's misses without a label. */
export const unreviewedCount = (tenantId: string) =>
  LabelledMissModel.countDocuments({ tenantId: tenantOid(tenantId), label: null });

/**
 * Labels (or relabels) one miss of the tenant in one write: a document must be one of the tenant's
 * uploaded files (the evaluation matches file names), checked before anything is written.
 */
export async function labelMiss(input: {
  tenantId: string;
  missId: string;
  by: { userId: string; name?: string };
  label: MissLabelInput;
  now?: Date;
}): Promise<LabelledMiss> {
  const tenant = tenantOid(input.tenantId);
  if (!Types.ObjectId.isValid(input.missId) || input.missId.length !== 24) throw missNotFound();
  let labelSource: LabelledMiss['labelSource'] = null;
  if (input.label.label === 'answerable') {
    const { sourceId } = input.label;
    const source = await findInTenant(KnowledgeSourceModel, sourceId, tenant, { kind: 1, title: 1, path: 1 });
    if (source?.kind !== 'file')
      throw new AppError('bad_request', 'sourceId: choose one of your uploaded documents.');
    labelSource = { sourceId: String(source._id), title: source.title, path: source.path };
  }
  const set: Partial<LabelledMiss> = {
    label: input.label.label as MissLabel,
    labelSource,
    labelledAt: input.now ?? new Date(),
    labelledBy: { userId: input.by.userId, ...(input.by.name ? { name: input.by.name } : {}) },
  };
  // By `_id` alone (FerretDB scans any other filter, updates too); the tenant is checked on the read.
  const miss = await findInTenant(LabelledMissModel, input.missId, tenant, { _id: 1 });
  if (!miss) throw missNotFound();
  const updated = await LabelledMissModel.findOneAndUpdate(
    { _id: miss._id },
    { $set: set },
    { returnDocument: 'after' },
  ).lean<LabelledMiss>();
  if (!updated) throw missNotFound();
  return updated;
}

/**
 * One labelled miss as a line of an evaluation set, in the format of samples/eval/questions.jsonl:
 * `answerable` with the labelled document's file name (scripts/eval.ts compares the base name of each
 * retrieved source's path with `sources`), or `out_of_scope`; the asker's role. Unlabelled and dismissed
 * misses are not questions of the set (null).
 */
export function evalQuestionOf(miss: LabelledMiss): EvalQuestion | null {
  const base = { id: `miss-${String(miss._id)}`, question: miss.question };
  if (!miss.question.trim()) return null;
  if (miss.label === 'answerable' && miss.labelSource?.path)
    return { ...base, kind: 'answerable', sources: [basename(miss.labelSource.path)], role: miss.askerRole };
  if (miss.label === 'out_of_scope') return { ...base, kind: 'out_of_scope', role: miss.askerRole };
  return null;
}

/** The tenant's labelled misses as JSONL (oldest first, so a growing set keeps its order). */
export async function exportEvalSet(tenantId: string): Promise<string> {
  const tenant = tenantOid(tenantId);
  const labelled = await LabelledMissModel.find({
    tenantId: tenant,
    label: { $in: ['answerable', 'out_of_scope'] },
  })
    .sort({ recordedAt: 1, _id: 1 })
    .lean<LabelledMiss[]>();
  return labelled
    .map(evalQuestionOf)
    .filter((q): q is EvalQuestion => q !== null)
    .map((q) => `${JSON.stringify(q)}\n`)
    .join('');
}
