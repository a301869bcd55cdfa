import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../../src/app/embedded-services.js';
import { readLeads } from '../../../src/leads/lead-eval.js';

const run = promisify(execFile);
const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/leads-small');
const LEADS = path.join(FIXTURE, 'leads.jsonl');

/** Runs scripts/eval.ts as `npm run eval` does, without a chat model (the rules decide). */
async function evalScript(args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error' };
  delete env.OPENAI_API_KEY;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/eval.ts', ...args], {
    cwd: PROJECT_ROOT,
    env,
  });
  return stdout;
}

// See test/fixtures/leads-small/README.md for how the expected figures were worked out by hand.
describe('npm run eval -- --leads (scripts/eval.ts)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lead-eval-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints lead precision and recall and reports them as leadPrecision and leadRecall', async function () {
    // A child process starting tsx: seconds, more on a busy machine.
    this.timeout(60_000);
    const report = path.join(dir, 'leads.json');
    const stdout = await evalScript(['--leads', LEADS, '--report', report, '--verbose']);
    expect(stdout).to.include('questions: not evaluated');
    expect(stdout).to.match(/lead precision +80\.0% +\(4 of 5 called leads\)/);
    expect(stdout).to.match(/lead recall +80\.0% +\(4 of 5 leads found\)/);
    expect(stdout).to.match(/lead mode +rules/);
    // --verbose names the two wrong calls.
    expect(stdout).to.match(/false lead f5 /);
    expect(stdout).to.match(/missed lead f8 /);

    const json = JSON.parse(await readFile(report, 'utf8'));
    expect(json.leadPrecision).to.equal(0.8);
    expect(json.leadRecall).to.equal(0.8);
    expect(json.leads).to.include({ total: 8, truePositives: 4, falsePositives: 1, falseNegatives: 1 });
    expect(json.leadSets.leads).to.include({ precision: 0.8, recall: 0.8 });
  });

  it('with questions, also prints the handoff rate and the keyword-rule hit rate of the product decision', async function () {
    this.timeout(60_000);
    const report = path.join(dir, 'all.json');
    const stdout = await evalScript([
      '--memory',
      '--docs',
      path.join(PROJECT_ROOT, 'test/fixtures/eval-small/docs'),
      '--questions',
      path.join(FIXTURE, 'questions.jsonl'),
      '--leads',
      LEADS,
      '--report',
      report,
    ]);
    expect(stdout).to.match(/handoff +66\.7% +\(2 of 3 human_request questions/);
    expect(stdout).to.match(/keyword rules +50\.0% +\(1 of 2 keyword questions matched a default rule, 1 in/);
    expect(stdout).to.include('leads called         0 of 7 support questions');
    expect(stdout).to.match(/lead precision +80\.0%/);

    const json = JSON.parse(await readFile(report, 'utf8'));
    expect(json.handoffRate).to.equal(0.6667);
    expect(json.keywordRuleHitRate).to.equal(0.5);
    expect(json.sets.questions).to.include({ handoffRate: 0.6667, keywordRuleHitRate: 0.5 });
    expect(json.leadPrecision).to.equal(0.8);
    expect(json.leadRecall).to.equal(0.8);
  });

  it('names a missing leads file instead of failing with a stack trace', async function () {
    this.timeout(60_000);
    const missing = path.join(dir, 'nope.jsonl');
    const error = await evalScript(['--leads', missing]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error?.code).to.equal(1);
    expect(error?.stderr.trim()).to.equal(`eval: no leads file ${missing}`);
  });

  it('names the line and the field of a bad leads line', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    await writeFile(bad, '{"id":"a","text":"hi","lead":false}\n\n{"id":"b","text":"demo?","lead":"yes"}\n');
    const error = await readLeads(bad).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/bad\.jsonl:3: lead: /);
  });
});
