import { expect } from 'chai';
import { detectKind, parseDocument } from '../../../src/knowledge/document-parser.service.js';

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('knowledge uploads: reading files', () => {
  it('recognises files by extension, then by declared type', () => {
    expect(detectKind('guide.MD')).to.equal('markdown');
    expect(detectKind('page.htm')).to.equal('html');
    expect(detectKind('upload', 'application/pdf')).to.equal('pdf');
    expect(detectKind('tool.exe')).to.equal(null);
  });

  it('keeps Markdown and text as they are', async () => {
    const parsed = await parseDocument('a.md', Buffer.from('\uFEFF# Title\n\nBody'));
    expect(parsed).to.deep.equal({
      format: 'markdown',
      content: '# Title\n\nBody',
      mimeType: 'text/markdown',
    });
  });

  it('refuses binary data, empty files and mislabelled documents with a plain reason', async () => {
    expect(await reason(parseDocument('a.txt', Buffer.from([0, 1, 2, 0, 255, 3, 0])))).to.match(
      /not a supported file type/,
    );
    expect(await reason(parseDocument('a.md', Buffer.alloc(0)))).to.match(/empty/);
    expect(await reason(parseDocument('a.pdf', Buffer.from('hello')))).to.match(/not a PDF/);
    expect(await reason(parseDocument('a.md', Buffer.from('%PDF-1.4 ...')))).to.match(
      /not a supported file type/,
    );
  });
});
