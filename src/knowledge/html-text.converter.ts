import { Parser } from 'htmlparser2';

// Never indexed: executable or presentational content, and the <head> (except <title>).
const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'iframe', 'object', 'head']);
const BLOCKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'nav',
  'blockquote',
  'pre',
  'table',
  'tr',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'figure',
  'figcaption',
  'hr',
]);
const HEADING = /^h([1-6])$/;
// Text a reader of the page never sees is not documentation (and is where injected instructions hide).
const HIDDEN_STYLE =
  /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9]))/i;

/** True for an element hidden from every reader: the `hidden` attribute, or an inline style that hides it. */
function isHidden(attributes: Record<string, string>): boolean {
  return 'hidden' in attributes || HIDDEN_STYLE.test(attributes.style ?? '');
}

/** What {@link htmlToMarkdown} returns. */
export interface HtmlConversion {
  /** Markdown-like text: headings as `#`, list items as `- ` / `1. `, paragraphs separated by blank lines. */
  markdown: string;
  /** Content of <title>, if any. */
  title: string | null;
}

interface ListState {
  ordered: boolean;
  counter: number;
}

/**
 * Converts HTML to Markdown-like text so HTML documents go through the same heading-aware chunker
 * as Markdown. Scripts, styles and other non-content elements are dropped, never kept as text, and so
 * is text hidden from readers (`hidden`, `display: none`, `visibility: hidden`, `font-size: 0`).
 */
export function htmlToMarkdown(html: string): HtmlConversion {
  const out: string[] = [];
  const lists: ListState[] = [];
  let skipDepth = 0;
  // One entry per open element (the parser closes every element it opens, void ones included).
  const hiddenStack: boolean[] = [];
  let hiddenDepth = 0;
  let preDepth = 0;
  let inTitle = false;
  let title = '';
  // Right after "1. ", a <p> must not push the item's text onto its own line.
  let itemJustOpened = false;
  const listIndent = () => '   '.repeat(Math.max(0, lists.length - 1));

  const newBlock = () => out.push('\n\n');

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'title') inTitle = true;
        const hidden = isHidden(attributes);
        hiddenStack.push(hidden);
        if (hidden) hiddenDepth++;
        if (SKIPPED.has(name)) {
          skipDepth++;
          return;
        }
        if (skipDepth > 0 || hiddenDepth > 0) return;
        const heading = HEADING.exec(name);
        if (heading) {
          newBlock();
          out.push(`${'#'.repeat(Number(heading[1]))} `);
        } else if (name === 'li') {
          const list = lists.at(-1);
          if (list?.ordered) {
            list.counter++;
            out.push(`\n\n${listIndent()}${list.counter}. `);
          } else out.push(`\n\n${listIndent()}- `);
          itemJustOpened = true;
        } else if (name === 'p' && lists.length > 0) {
          // A further paragraph of a list item: indented, so it stays part of the item.
          if (!itemJustOpened) out.push(`\n\n${listIndent()}   `);
        } else if (name === 'ul' || name === 'ol') {
          lists.push({ ordered: name === 'ol', counter: 0 });
          newBlock();
        } else if (name === 'br') out.push('\n');
        else if (name === 'td' || name === 'th') out.push(' | ');
        else if (BLOCKS.has(name)) {
          if (name === 'pre') preDepth++;
          out.push('\n\n');
        }
      },
      ontext(text) {
        if (inTitle) title += text;
        if (skipDepth > 0 || hiddenDepth > 0) return;
        if (itemJustOpened && text.trim() !== '') itemJustOpened = false;
        const clean = preDepth > 0 ? text : text.replace(/\s+/g, ' ');
        // Whitespace between tags would otherwise indent the next line and fake a continuation.
        const last = out.at(-1) ?? '';
        out.push(preDepth === 0 && last.endsWith('\n') ? clean.trimStart() : clean);
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        const hidden = hiddenStack.pop() ?? false;
        if (SKIPPED.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          if (hidden) hiddenDepth--;
          return;
        }
        if (hidden) {
          hiddenDepth--;
          return;
        }
        if (skipDepth > 0 || hiddenDepth > 0) return;
        if (name === 'ul' || name === 'ol') {
          lists.pop();
          newBlock();
        } else if (HEADING.test(name)) newBlock();
        else if (name === 'pre') {
          preDepth = Math.max(0, preDepth - 1);
          newBlock();
        } else if (BLOCKS.has(name) && name !== 'p') newBlock();
        else if (name === 'p' && lists.length === 0) newBlock();
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();

  const markdown = out
    .join('')
    .split('\n')
    .map((line) => line.replace(/[ \t]+$/g, ''))
    .join('\n')
    .replace(/^(\s*(?:#{1,6}|-|\d+\.)) +/gm, '$1 ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const cleanTitle = title.replace(/\s+/g, ' ').trim();
  return { markdown, title: cleanTitle || null };
}
