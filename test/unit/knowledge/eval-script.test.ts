import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../../src/app/embedded-services.js';
import { askEngine, evaluateSets, readQuestionSets } from '../../../src/knowledge/eval-sets.js';
import { readDocumentFolder } from '../../../src/knowledge/evaluation.js';
import {
  DEFAULT_NOT_COVERED_THRESHOLD,
  KnowledgeEngine,
} from '../../../src/knowledge/knowledge-engine.service.js';

const run = promisify(execFile);
const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/eval-small');

describe('npm run eval (scripts/eval.ts --memory)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eval-script-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('evaluates several question files, prints each and the pooled figures, and reports them as JSON', async function () {
    // A child process starting tsx and the knowledge module: seconds, more on a busy machine.
    this.timeout(60_000);
    const a = path.join(FIXTURE, 'questions-a.jsonl');
    const b = path.join(FIXTURE, 'questions-b.jsonl');
    const report = path.join(dir, 'report.json');
    // One repeated flag and one comma list: three sets, the third a second copy of set A.
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/eval.ts',
        '--memory',
        '--docs',
        path.join(FIXTURE, 'docs'),
        '--questions',
        a,
        '--questions',
        `${b},${a}`,
        '--report',
        report,
      ],
      { cwd: PROJECT_ROOT, env: { ...process.env, LOG_LEVEL: 'error' } },
    );
    for (const title of ['== questions-a ', '== questions-b ', '== questions-a-2 ', '== pooled '])
      expect(stdout).to.include(title);
    for (const label of ['language es', 'role instructor', 'answer words', 'curve', 'reliability'])
      expect(stdout).to.include(label);

    const json = JSON.parse(await readFile(report, 'utf8'));
    expect(Object.keys(json.sets)).to.deep.equal(['questions-a', 'questions-b', 'questions-a-2']);
    expect(json.answerable).to.equal(12);
    expect(json.threshold).to.equal(DEFAULT_NOT_COVERED_THRESHOLD);

    // The script's figures are those of the scoring functions on the same engine (latency aside).
    const engine = new KnowledgeEngine();
    await engine.index('t', await readDocumentFolder(path.join(FIXTURE, 'docs')));
    const { sets, pooled } = await evaluateSets(await readQuestionSets([a, b, a]), {
      ask: askEngine(engine, 't', DEFAULT_NOT_COVERED_THRESHOLD),
      threshold: DEFAULT_NOT_COVERED_THRESHOLD,
    });
    const withoutLatency = ({ p50Ms: _a, p95Ms: _b, counts: _c, ...rest }: Record<string, unknown>) => rest;
    expect(withoutLatency(json.sets['questions-b'])).to.deep.include(
      withoutLatency(sets[1]?.summary as unknown as Record<string, unknown>),
    );
    expect(json).to.deep.include(withoutLatency(pooled as unknown as Record<string, unknown>));
  });
});
