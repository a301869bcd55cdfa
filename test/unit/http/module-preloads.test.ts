import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { modulePreloads } from '../../../src/http/presenters/module-preloads.presenter.js';

describe('modulePreloads: the modules a page entry imports', () => {
  let dir: string;
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'chatref-preloads-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('follows named, multi-line and side-effect imports through every level, once each, in a stable order', () => {
    write('js/page.js', "import { a } from './page/a.js';\nimport './common/side.js';\n");
    write('js/page/a.js', "import {\n  b,\n  c,\n} from './b.js';\nimport { d } from '../common/d.js';\n");
    write('js/page/b.js', "import { a } from './a.js';\n");
    write('js/common/d.js', '');
    write('js/common/side.js', '');
    expect(modulePreloads('js/page.js', dir)).to.deep.equal([
      '/public/js/common/d.js',
      '/public/js/common/side.js',
      '/public/js/page/a.js',
      '/public/js/page/b.js',
    ]);
  });

  it('leaves out type imports in comments and anything outside /public/js', () => {
    write(
      'js/page.js',
      "/** @typedef {import('../../src/live/frames.js').TokenFrame} Token */\nimport { x } from '../../src/x.js';\n// import { y } from './y.js' in a sentence\n",
    );
    expect(modulePreloads('js/page.js', dir)).to.deep.equal([]);
  });

  it('stops at a file it cannot read (the page still loads import by import)', () => {
    write('js/page.js', "import { gone } from './gone.js';\n");
    expect(modulePreloads('js/page.js', dir)).to.deep.equal(['/public/js/gone.js']);
  });
});
