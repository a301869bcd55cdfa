import {
  applyCalibration,
  type ConfidenceFeatures,
  type LogisticCalibration,
  scaleVectors,
} from './confidence.service.js';

/** One labelled question for fitting: its features and whether answering it gave a correct article. */
export interface CalibrationSample {
  features: ConfidenceFeatures;
  /** Answerable, and a correct article among the top 3 sources. */
  good: boolean;
  /** Which set it came from (folds keep each set's share). */
  set?: string;
}

/**
 * Fits a logistic model by Newton's method (iteratively reweighted least squares) with an L2 penalty on the
 * weights (not the intercept). A few features and a few hundred questions: a dozen iterations converge, and
 * the penalty keeps weights sane when the classes nearly separate.
 */
export function fitLogistic(
  samples: readonly CalibrationSample[],
  names: readonly (keyof ConfidenceFeatures)[],
  options: { l2?: number; iterations?: number; vectorRange?: [number, number] } = {},
): LogisticCalibration {
  const l2 = options.l2 ?? 1;
  const d = names.length + 1;
  const x = samples.map((s) => {
    const features = scaleVectors(s.features, options.vectorRange);
    return [1, ...names.map((n) => features[n] ?? 0)];
  });
  const y = samples.map((s) => (s.good ? 1 : 0));
  let w = new Array<number>(d).fill(0);
  for (let iter = 0; iter < (options.iterations ?? 50); iter++) {
    const gradient = new Array<number>(d).fill(0);
    const hessian = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    x.forEach((row, i) => {
      const p = sigmoid(dot(w, row));
      const r = p * (1 - p);
      for (let a = 0; a < d; a++) {
        gradient[a] = (gradient[a] ?? 0) + (p - (y[i] ?? 0)) * (row[a] ?? 0);
        const ha = hessian[a] as number[];
        for (let b = 0; b < d; b++) ha[b] = (ha[b] ?? 0) + r * (row[a] ?? 0) * (row[b] ?? 0);
      }
    });
    for (let a = 1; a < d; a++) {
      gradient[a] = (gradient[a] ?? 0) + l2 * (w[a] ?? 0);
      const ha = hessian[a] as number[];
      ha[a] = (ha[a] ?? 0) + l2;
    }
    const step = solve(hessian, gradient);
    w = w.map((v, a) => v - (step[a] ?? 0));
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return {
    intercept: round4(w[0] ?? 0),
    weights: Object.fromEntries(names.map((n, i) => [n, round4(w[i + 1] ?? 0)])),
    ...(options.vectorRange ? { vectorRange: options.vectorRange } : {}),
  };
}

/**
 * k-fold cross-validation: each question's probability comes from a model fitted without it. Folds are
 * dealt round-robin within each set, so every fold holds both sets in proportion.
 */
export function crossValidate(
  samples: readonly CalibrationSample[],
  names: readonly (keyof ConfidenceFeatures)[],
  options: { folds?: number; l2?: number; vectorRange?: [number, number] } = {},
): number[] {
  const k = options.folds ?? 5;
  const seen = new Map<string, number>();
  const fold = samples.map((s) => {
    const n = seen.get(s.set ?? '') ?? 0;
    seen.set(s.set ?? '', n + 1);
    return n % k;
  });
  const out = new Array<number>(samples.length).fill(0);
  for (let f = 0; f < k; f++) {
    const model = fitLogistic(
      samples.filter((_, i) => fold[i] !== f),
      names,
      options,
    );
    samples.forEach((s, i) => {
      if (fold[i] === f) out[i] = applyCalibration(s.features, model);
    });
  }
  return out;
}

/** The 5th and 95th percentile of the best cosines: the range `vector` is read in (see confidence.service.ts). */
export function vectorRangeOf(samples: readonly CalibrationSample[]): [number, number] | undefined {
  const cosines = samples
    .map((s) => s.features.vector)
    .filter((v): v is number => v !== undefined)
    .sort((a, b) => a - b);
  if (cosines.length < 10) return undefined;
  const at = (p: number) => cosines[Math.min(cosines.length - 1, Math.floor(p * cosines.length))] ?? 0;
  return [round4(at(0.05)), round4(at(0.95))];
}

/** Mean negative log-likelihood of the labels under the probabilities. */
export function logLoss(probabilities: readonly number[], samples: readonly CalibrationSample[]): number {
  const eps = 1e-9;
  let sum = 0;
  probabilities.forEach((p, i) => {
    const q = Math.min(1 - eps, Math.max(eps, p));
    sum -= samples[i]?.good ? Math.log(q) : Math.log(1 - q);
  });
  return probabilities.length > 0 ? sum / probabilities.length : 0;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0);
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** Solves A·x = b by Gaussian elimination with partial pivoting (A is small and positive definite). */
function solve(matrix: readonly (readonly number[])[], vector: readonly number[]): number[] {
  const n = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(a[r]?.[col] ?? 0) > Math.abs(a[pivot]?.[col] ?? 0)) pivot = r;
    [a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]];
    const p = a[col]?.[col] ?? 0;
    if (Math.abs(p) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = (a[r]?.[col] ?? 0) / p;
      if (factor === 0) continue;
      const row = a[r] as number[];
      const pivotRow = a[col] as number[];
      for (let c = col; c <= n; c++) row[c] = (row[c] ?? 0) - factor * (pivotRow[c] ?? 0);
    }
  }
  return a.map((row, i) => {
    const p = row[i] ?? 0;
    return Math.abs(p) < 1e-12 ? 0 : (row[n] ?? 0) / p;
  });
}
