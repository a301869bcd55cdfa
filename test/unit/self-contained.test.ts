/**
 * The repository must work as a fresh clone with nothing beside it (issue #14): no test, script, bench or
 * product file may default to a path outside it, such as the evaluation data once read from the sibling
 * reference folder. Such paths belong on a command line (`npm run eval -- --docs <folder>`), never in code.
 * `.ci/run` proves the same by running the suite in a clone with nothing beside it; this names the line.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Files whose text is code or configuration (prose, such as READMEs, may show example command lines). */
const CODE = /\.(ts|js|mjs|cjs|sh|ejs|go|ya?ml)$|(^|\/)(Dockerfile|\.ci\/run)$|^config\/.*\.json$/;

/** Ways code reaches a folder beside the repository. */
const SIBLING_FOLDER_PATTERNS: Array<[string, RegExp]> = [
  ['the sibling shared folder', /\.\.[/\\]shared\b|['"]\.\.['"]\s*,\s*['"]shared['"]/],
  ['a path going up from the repository root', /(PROJECT_ROOT|process\.cwd\(\))\s*,\s*['"]\.\.['"]/],
];

/** Every file git would commit here: tracked, plus new ones not ignored (so the test catches them early). */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return [...new Set(out.split('\0').filter(Boolean))];
}

/** Comment lines may mention such paths (e.g. an example command); only code that runs is checked. */
function isCommentLine(line: string): boolean {
  return /^\s*(\/\/|\/?\*|#)/.test(line);
}

/** Relative path literals resolved from the file's own folder (as `import.meta.dirname` code does). */
function escapingLiterals(file: string, line: string): string[] {
  const literals = [...line.matchAll(/['"`]((?:\.\.\/)+[^'"`\s]*)['"`]/g)].map((m) => m[1] as string);
  const folder = path.dirname(path.join(ROOT, file));
  return literals.filter((literal) => path.relative(ROOT, path.resolve(folder, literal)).startsWith('..'));
}

function findingsIn(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(path.join(ROOT, file), 'utf8');
  } catch {
    return []; // deleted in the working tree but still tracked: nothing to read
  }
  const findings: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (isCommentLine(line)) return;
    const where = `${file}:${index + 1}`;
    for (const [what, pattern] of SIBLING_FOLDER_PATTERNS)
      if (pattern.test(line)) findings.push(`${where} reaches ${what}: ${line.trim()}`);
    for (const literal of escapingLiterals(file, line))
      findings.push(`${where} names ${literal}, outside the repository`);
  });
  return findings;
}

describe('a fresh clone is self-contained', () => {
  it('no code or configuration reads a path outside the repository', () => {
    const files = repositoryFiles().filter((file) => CODE.test(file));
    expect(files.length).to.be.greaterThan(50);
    expect(files.flatMap(findingsIn)).to.deep.equal([]);
  });

  it('the evaluation questions and the articles they cite are in the repository', () => {
    const questions = readFileSync(path.join(ROOT, 'samples/eval/questions.jsonl'), 'utf8');
    const hard = readFileSync(path.join(ROOT, 'samples/eval/questions-hard.jsonl'), 'utf8');
    const cited = `${questions}\n${hard}`
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => (JSON.parse(line) as { sources?: string[] }).sources ?? []);
    expect(cited.length).to.be.greaterThan(50);
    const articles = new Set(repositoryFiles().filter((f) => f.startsWith('samples/knowledge/')));
    expect([...new Set(cited)].filter((name) => !articles.has(`samples/knowledge/${name}`))).to.deep.equal(
      [],
    );
  });
});
