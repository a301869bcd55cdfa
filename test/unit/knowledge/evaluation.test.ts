import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  type EvalQuestion,
  readQuestions,
  runEvaluation,
  splitHalves,
} from '../../../src/knowledge/evaluation.js';

describe('evaluation', () => {
  const questions: EvalQuestion[] = [
    { id: 'q1', question: 'a', kind: 'answerable', sources: ['a.md'] },
    { id: 'q2', question: 'b', kind: 'answerable', sources: ['b.md'] },
    { id: 'q3', question: 'c', kind: 'out_of_scope' },
    { id: 'q4', question: 'd', kind: 'human_request' },
  ];

  it('scores top-1, top-3, answered and not-covered rates from what the pipeline returns', async () => {
    const { summary } = await runEvaluation({
      questions,
      ask: (q) => ({
        sources:
          q.id === 'q1'
            ? [{ sourceId: 'a.md' }]
            : [{ sourceId: 'x.md' }, { sourceId: 'docs/b.md', path: 'docs/b.md' }],
        notCovered: q.kind === 'out_of_scope',
      }),
    });
    expect(summary).to.deep.include({
      answerable: 2,
      top1HitRate: 0.5,
      top3HitRate: 1,
      answeredRate: 1,
      outOfScope: 1,
      notCoveredRate: 1,
      mode: 'extractive',
    });
    expect(summary.counts).to.deep.equal({ answerable: 2, out_of_scope: 1, human_request: 1 });
  });

  it('names the file and line of a question it cannot read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'eval-questions-'));
    try {
      const file = path.join(dir, 'q.jsonl');
      await writeFile(
        file,
        '{"id":"q1","question":"a","kind":"answerable"}\n\n{"id":"q2","kind":"answerable"}\n',
      );
      let message = '';
      await readQuestions(file).catch((error: Error) => {
        message = error.message;
      });
      expect(message).to.equal(`${file}:3: needs string fields id, question and kind`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('splits questions into two halves with every kind on both sides', () => {
    const { a, b } = splitHalves(questions);
    expect(a.map((q) => q.id)).to.deep.equal(['q1', 'q3', 'q4']);
    expect(b.map((q) => q.id)).to.deep.equal(['q2']);
  });
});
