import type { IndexDoc } from '../../../src/inbox/index.js';

/** A waiting, normal-priority index document with `fields` on top: the inbox unit tests' starting point. */
export const doc = (fields: Partial<IndexDoc>): IndexDoc => ({
  v: 1,
  up: 0,
  s: 'waiting',
  p: 'normal',
  lm: 0,
  u: 'u',
  ...fields,
});
