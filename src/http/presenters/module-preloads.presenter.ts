import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Where /public is served from (as src/http/app.ts serves it). */
const PUBLIC_DIR = path.resolve(import.meta.dirname, '../../../public');

/** `import … from './x.js'` and `import './x.js'` at the start of a line (type imports in JSDoc are not). */
const RELATIVE_IMPORT = /^\s*import\s+(?:[^'"]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;

/**
 * The modules a page's entry script imports, directly or through others, as `/public/...` addresses for
 * `<link rel="modulepreload">`: the browser then fetches the whole graph at once instead of one import
 * level per round trip (a slow LMS network pays each level). Read from the files once, when the routes
 * are built; a file that cannot be read ends the walk there (the page still loads, import by import).
 */
export function modulePreloads(entry: string, publicDir = PUBLIC_DIR): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    let source: string;
    try {
      source = readFileSync(path.join(publicDir, file), 'utf8');
    } catch {
      return;
    }
    for (const match of source.matchAll(RELATIVE_IMPORT)) {
      const next = path.posix.join(path.posix.dirname(file), match[1] ?? '');
      if (!next.startsWith('js/') || seen.has(next)) continue;
      seen.add(next);
      visit(next);
    }
  };
  visit(entry);
  return [...seen].sort().map((file) => `/public/${file}`);
}
