import { expect } from 'chai';
import { chunkDocument } from '../../../src/knowledge/chunking.service.js';

const procedure = `# Resetting your password

Intro text about accounts.

## Reset it yourself

To reset your password, follow these steps.

1. Open the sign-in page.

2. Select **Forgot Password**.

   You receive an email message.

3. Follow the link in the message.

## Still stuck?

Contact support.
`;

describe('chunking documents', () => {
  it('keeps the numbered steps of a procedure and their lead-in together in one chunk', async () => {
    const { chunks } = await chunkDocument({ content: procedure, format: 'markdown' }, { chunkSize: 60 });
    const steps = chunks.find((c) => c.text.includes('1. Open'));
    expect(steps?.text).to.include('follow these steps');
    expect(steps?.text).to.include('3. Follow the link');
    expect(steps?.text).to.include('You receive an email message');
  });

  it('labels each chunk with the heading path it sits under', async () => {
    const doc = `# T\n\n## Grades\n\n### Overrides\n\nOverride text.\n\n## Other\n\nMore.`;
    const { chunks } = await chunkDocument({ content: doc, format: 'markdown' });
    expect(chunks.map((c) => c.heading)).to.deep.equal(['Grades > Overrides', 'Other']);
    expect(chunks.map((c) => c.ordinal)).to.deep.equal([0, 1]);
  });

  it('titles a document by its first H1, or by its file name when it has none', async () => {
    expect((await chunkDocument({ content: procedure, format: 'markdown' })).title).to.equal(
      'Resetting your password',
    );
    const untitled = await chunkDocument({
      content: 'Just text.',
      format: 'text',
      path: 'docs/late-work_policy.txt',
    });
    expect(untitled.title).to.equal('Late work policy');
  });

  it('never keeps scripts or styles from an HTML page, and keeps its headings and list steps', async () => {
    const html = `<html><head><title>Page</title><style>.x{color:red}</style></head><body>
      <h1>Exporting a course</h1><script>alert('x')</script>
      <h2>Export</h2><p>Do this:</p><ol><li><p>Open <b>Tools</b>.</p><p>Then wait.</p></li><li>Select Export.</li></ol>
      </body></html>`;
    const { title, chunks } = await chunkDocument({ content: html, format: 'html' });
    const all = chunks.map((c) => c.text).join('\n');
    expect(title).to.equal('Exporting a course');
    expect(all).not.to.include('alert');
    expect(all).not.to.include('color:red');
    expect(chunks[0]?.heading).to.equal('Export');
    expect(all).to.match(/1\. Open Tools\./);
    expect(all).to.match(/2\. Select Export\./);
  });

  it('splits long plain text into several chunks without losing words', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} has some words in it.`).join('\n\n');
    const { chunks } = await chunkDocument({ content: text, format: 'text' }, { chunkSize: 200 });
    expect(chunks.length).to.be.greaterThan(5);
    expect(chunks.map((c) => c.text).join(' ')).to.include('Paragraph 39');
  });
});
