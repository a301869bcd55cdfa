import type { EvalGroupSummary, EvalSummary } from './evaluation.js';

/** One question set's figures, as the eval prints and reports them. */
export interface EvalSetResult {
  name: string;
  file: string;
  summary: EvalSummary;
  /** Figures on the two halves of {@link splitHalves}, to see how much a figure moves between halves. */
  halves?: { a: EvalSummary; b: EvalSummary };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);
/** A rate over `n` questions; '-' when there were none (the report's JSON says 0 there). */
export const pctOf = (x: number, n: number) => (n === 0 ? '-'.padStart(6) : pct(x));
const num = (x: number | null, digits = 2) => (x === null ? '-' : x.toFixed(digits));

/** One line of the main figures. */
export function formatGroup(label: string, s: EvalGroupSummary): string {
  const a = (x: number) => pctOf(x, s.answerable);
  return `${label.padEnd(20)} top1 ${a(s.top1HitRate)}  top3 ${a(s.top3HitRate)}  answered ${a(
    s.answeredRate,
  )}  useful ${a(s.usefulRate)}  not-covered ${pctOf(s.notCoveredRate, s.outOfScope)}  (answerable ${
    s.answerable
  }, out_of_scope ${s.outOfScope})`;
}

/** The printed block of one set (or of the pooled sets). */
export function formatSummary(
  title: string,
  result: { summary: EvalSummary; halves?: EvalSetResult['halves'] },
) {
  const s = result.summary;
  const lines = [
    `== ${title}`,
    `questions: ${Object.entries(s.counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    formatGroup('all', s),
  ];
  if (result.halves) {
    lines.push(formatGroup('half A', result.halves.a), formatGroup('half B', result.halves.b));
  }
  for (const [language, g] of Object.entries(s.byLanguage))
    lines.push(formatGroup(`language ${language}`, g));
  for (const [role, g] of Object.entries(s.byRole)) lines.push(formatGroup(`role ${role}`, g));
  lines.push(
    `answer words         p50 ${s.answerWordsP50}  p90 ${s.answerWordsP90} (shown at once, answered questions)`,
    `latency              p50 ${s.p50Ms.toFixed(1)} ms  p95 ${s.p95Ms.toFixed(1)} ms`,
    `mode                 ${s.mode}`,
  );
  if (s.threshold !== null) {
    lines.push(
      `threshold            ${s.threshold} (asked with)${
        s.thresholdAgreement === null
          ? ''
          : `; the curve reproduces ${pct(s.thresholdAgreement).trim()} of the decisions taken at it`
      }`,
    );
  }
  if (s.curve.length > 0) {
    const best = Math.max(...s.curve.map((p) => p.balanced));
    lines.push('curve                threshold  answered  useful  not-covered  balanced');
    for (const p of s.curve) {
      const marks = `${p.threshold === s.threshold ? ' *' : ''}${p.balanced === best ? ' (best balanced)' : ''}`;
      lines.push(
        `                     ${p.threshold.toFixed(2).padStart(9)}  ${pct(p.answeredRate).padStart(8)}  ${pct(
          p.usefulRate,
        )}  ${pct(p.notCoveredRate).padStart(11)}  ${pct(p.balanced).padStart(8)}${marks}`,
      );
    }
  }
  const bins = s.reliability.bins.filter((b) => b.count > 0);
  if (bins.length > 0) {
    lines.push(
      `reliability          confidence   n  answerable  out_of_scope  mean  correct   (ECE ${num(s.reliability.ece, 3)})`,
    );
    for (const b of bins) {
      lines.push(
        `                     ${`${b.from.toFixed(1)}-${b.to.toFixed(1)}`.padStart(10)} ${String(
          b.count,
        ).padStart(3)}  ${String(b.answerable).padStart(10)}  ${String(b.outOfScope).padStart(12)}  ${num(
          b.meanConfidence,
        )}  ${num(b.correctRate).padStart(7)}`,
      );
    }
  }
  for (const [role, c] of Object.entries(s.calibrationByRole)) {
    if (c.ece === null) continue;
    const best =
      c.bestThreshold === null || c.bestBalanced === null
        ? 'no balance (needs answerable and out-of-scope questions)'
        : `best balanced ${pct(c.bestBalanced).trim()} at threshold ${c.bestThreshold}`;
    lines.push(`${`calibration ${role}`.padEnd(20)} ECE ${num(c.ece, 3)}  ${best}`);
  }
  return lines;
}

/** The report's figures of one summary: every key but `counts`. */
const reportFields = ({ counts: _counts, ...rest }: EvalSummary) => rest;

/**
 * The `--report` JSON: the pooled figures at the top level (the same keys as one set's, so a
 * one-set report reads as before), each set's under `sets`, and where they come from.
 */
export function reportJson(
  sets: readonly EvalSetResult[],
  pooled: EvalSummary,
  meta: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...meta,
    ...reportFields(pooled),
    sets: Object.fromEntries(sets.map((set) => [set.name, { file: set.file, ...reportFields(set.summary) }])),
  };
}
