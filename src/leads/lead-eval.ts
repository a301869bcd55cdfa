import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { readNamedFiles } from '../knowledge/eval-sets.js';
import type { LeadIntent } from './lead-intent.js';

/** One labelled message of a leads file (`{ "id", "text", "lead" }` per line). */
export interface LabelledLead {
  id: string;
  text: string;
  lead: boolean;
}

const lineSchema = z.object({ id: z.string().min(1), text: z.string(), lead: z.boolean() });

/** Reads a leads JSONL file; a bad line names its line number and the field. */
export async function readLeads(file: string): Promise<LabelledLead[]> {
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/);
  const items: LabelledLead[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1}: not JSON`);
    }
    const parsed = lineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${file}:${i + 1}: ${issue?.path.join('.') || 'line'}: ${issue?.message}`);
    }
    items.push(parsed.data);
  }
  return items;
}

/** One message's outcome. */
export interface LeadOutcome extends LabelledLead {
  predicted: boolean;
  score: number;
  signals: string[];
  decidedBy?: LeadIntent['decidedBy'];
}

/** Precision and recall of the lead decision over a labelled set. */
export interface LeadSummary {
  total: number;
  leads: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  /** Of the messages called leads, the share that are (1 when none was called a lead). */
  precision: number;
  /** Of the real leads, the share called leads (1 when the set has none). */
  recall: number;
  /** Messages the model decided (borderline ones, when a model is configured). */
  decidedByModel: number;
}

export function summariseLeads(outcomes: readonly LeadOutcome[]): LeadSummary {
  const count = (f: (o: LeadOutcome) => boolean) => outcomes.filter(f).length;
  const tp = count((o) => o.lead && o.predicted);
  const fp = count((o) => !o.lead && o.predicted);
  const fn = count((o) => o.lead && !o.predicted);
  const round = (x: number) => Number(x.toFixed(4));
  return {
    total: outcomes.length,
    leads: count((o) => o.lead),
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    trueNegatives: count((o) => !o.lead && !o.predicted),
    precision: round(tp + fp === 0 ? 1 : tp / (tp + fp)),
    recall: round(tp + fn === 0 ? 1 : tp / (tp + fn)),
    decidedByModel: count((o) => o.decidedBy === 'model'),
  };
}

/** Runs each message through `classify` (the product's detector) in file order. */
export async function evaluateLeads(
  items: readonly LabelledLead[],
  classify: (text: string) => Promise<LeadIntent> | LeadIntent,
): Promise<{ summary: LeadSummary; outcomes: LeadOutcome[] }> {
  const outcomes: LeadOutcome[] = [];
  for (const item of items) {
    const intent = await classify(item.text);
    outcomes.push({
      ...item,
      predicted: intent.lead,
      score: intent.score,
      signals: intent.signals,
      decidedBy: intent.decidedBy,
    });
  }
  return { summary: summariseLeads(outcomes), outcomes };
}

/** One leads file's figures. */
export interface LeadSetResult {
  name: string;
  file: string;
  summary: LeadSummary;
  outcomes: LeadOutcome[];
}

/** A leads file as read (see {@link readLeadSets}). */
export interface LeadSet {
  name: string;
  file: string;
  leads: LabelledLead[];
}

/** Reads leads files, named after their files as the question sets are (a bad line names its file and line). */
export async function readLeadSets(files: readonly string[]): Promise<LeadSet[]> {
  const named = await readNamedFiles(files, readLeads);
  return named.map(({ name, file, items }) => ({ name, file, leads: items }));
}

/** Evaluates every leads set, and all of them pooled. */
export async function evaluateLeadSets(
  leadSets: readonly LeadSet[],
  classify: (text: string) => Promise<LeadIntent> | LeadIntent,
): Promise<{ sets: LeadSetResult[]; pooled: LeadSummary }> {
  const sets: LeadSetResult[] = [];
  for (const { name, file, leads } of leadSets) {
    const { summary, outcomes } = await evaluateLeads(leads, classify);
    sets.push({ name, file, summary, outcomes });
  }
  return { sets, pooled: summariseLeads(sets.flatMap((s) => s.outcomes)) };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The printed lines of one leads set (or of the pooled sets). */
export function formatLeadSummary(title: string, s: LeadSummary, mode: string): string[] {
  return [
    `== ${title}`,
    `messages: ${s.total} (leads ${s.leads}, not leads ${s.total - s.leads})`,
    `lead precision       ${pct(s.precision).padStart(6)}  (${s.truePositives} of ${s.truePositives + s.falsePositives} called leads)`,
    `lead recall          ${pct(s.recall).padStart(6)}  (${s.truePositives} of ${s.leads} leads found)`,
    `lead mode            ${mode}${s.decidedByModel ? ` (${s.decidedByModel} decided by the model)` : ''}`,
  ];
}

/** The misclassified messages, for `--verbose`. */
export function formatLeadMisses(outcomes: readonly LeadOutcome[]): string[] {
  return outcomes
    .filter((o) => o.lead !== o.predicted)
    .map(
      (o) =>
        `  ${o.lead ? 'missed lead' : 'false lead'} ${o.id} score=${o.score.toFixed(3)} [${o.signals.join('; ')}] ${o.text}`,
    );
}

/** The `--report` keys: pooled `leadPrecision`/`leadRecall` at the top, each file's under `leadSets`. */
export function leadReportJson(
  sets: readonly LeadSetResult[],
  pooled: LeadSummary,
  mode: string,
): Record<string, unknown> {
  return {
    leadPrecision: pooled.precision,
    leadRecall: pooled.recall,
    leadMode: mode,
    leads: pooled,
    leadSets: Object.fromEntries(sets.map((s) => [s.name, { file: s.file, ...s.summary }])),
  };
}

/** How many of a set's support questions (none of them a prospect's) the detector calls leads. */
export async function leadFalseAlarms(
  questions: readonly { question: string }[],
  classify: (text: string) => Promise<LeadIntent> | LeadIntent,
): Promise<{ questions: number; calledLeads: number; rate: number }> {
  let called = 0;
  for (const q of questions) if ((await classify(q.question)).lead) called++;
  const n = questions.length;
  return { questions: n, calledLeads: called, rate: n === 0 ? 0 : Number((called / n).toFixed(4)) };
}

/** The printed line of {@link leadFalseAlarms}. */
export function formatLeadFalseAlarms(f: { questions: number; calledLeads: number }): string {
  return `leads called         ${f.calledLeads} of ${f.questions} support questions (each one a false alarm)`;
}
