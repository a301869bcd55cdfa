/**
 * Keeps the k largest (score, id) pairs seen so far in a binary min-heap over typed arrays, so
 * selecting the best hits among tens of thousands of candidates costs O(n log k) and no allocation
 * per candidate.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly ids: Int32Array;
  private count = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(Math.max(1, k));
    this.ids = new Int32Array(Math.max(1, k));
  }

  /** The score a candidate must beat to enter (−Infinity while not full). */
  get threshold(): number {
    return this.count < this.k ? Number.NEGATIVE_INFINITY : (this.scores[0] ?? Number.NEGATIVE_INFINITY);
  }

  /** Offers a candidate; ignored unless it beats the current k-th best. */
  push(id: number, score: number): void {
    if (this.k <= 0) return;
    if (this.count < this.k) {
      let i = this.count++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((this.scores[parent] ?? 0) <= score) break;
        this.scores[i] = this.scores[parent] ?? 0;
        this.ids[i] = this.ids[parent] ?? 0;
        i = parent;
      }
      this.scores[i] = score;
      this.ids[i] = id;
      return;
    }
    if (score <= (this.scores[0] ?? 0)) return;
    this.siftDownFromRoot(id, score);
  }

  private siftDownFromRoot(id: number, score: number): void {
    const n = this.count;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && (this.scores[right] ?? 0) < (this.scores[left] ?? 0)) child = right;
      if ((this.scores[child] ?? 0) >= score) break;
      this.scores[i] = this.scores[child] ?? 0;
      this.ids[i] = this.ids[child] ?? 0;
      i = child;
    }
    this.scores[i] = score;
    this.ids[i] = id;
  }

  /** The kept pairs, best first. */
  sorted(): { id: number; score: number }[] {
    const out: { id: number; score: number }[] = [];
    for (let i = 0; i < this.count; i++) out.push({ id: this.ids[i] ?? 0, score: this.scores[i] ?? 0 });
    return out.sort((a, b) => b.score - a.score || a.id - b.id);
  }
}
