// @ts-check
// An answer's text as DOM nodes (never HTML strings): **bold**, *emphasis* and `code`, Markdown tables,
// and an extractive answer's whole section behind a disclosure.

/**
 * Answers may carry **bold**, *emphasis* and `code` from the documents.
 * @param {HTMLElement} element
 * @param {string} text
 */
export function renderText(element, text) {
  element.replaceChildren();
  const parts = text.split(/(\*\*[^*\n]+\*\*|\*[^*\s][^*\n]*\*|`[^`\n]+`)/g);
  for (const part of parts) {
    if (part.startsWith('**') && part.endsWith('**') && part.length > 4) {
      const strong = document.createElement('strong');
      strong.textContent = part.slice(2, -2);
      element.append(strong);
    } else if (part.length > 2 && part.startsWith('*') && part.endsWith('*')) {
      const em = document.createElement('em');
      em.textContent = part.slice(1, -1);
      element.append(em);
    } else if (part.length > 2 && part.startsWith('`') && part.endsWith('`')) {
      const code = document.createElement('code');
      code.textContent = part.slice(1, -1);
      element.append(code);
    } else if (part) {
      element.append(document.createTextNode(part));
    }
  }
}

/**
 * A section as text, except that Markdown tables ("| a | b |" lines) become tables, each in a box
 * that scrolls sideways on a narrow screen rather than widening the page.
 * @param {HTMLElement} element
 * @param {string} text
 */
function renderSectionText(element, text) {
  element.replaceChildren();
  /** @type {string[]} */
  let prose = [];
  /** @type {string[]} */
  let rows = [];
  const cells = (/** @type {string} */ line) =>
    line
      .trim()
      .replace(/^\|/, '')
      .replace(/\|$/, '')
      .split('|')
      .map((cell) => cell.trim());
  const flushProse = () => {
    if (prose.length === 0) return;
    const span = document.createElement('span');
    renderText(span, prose.join('\n'));
    element.append(span);
    prose = [];
  };
  const flushRows = () => {
    if (rows.length === 0) return;
    const box = document.createElement('div');
    box.className = 'answer-table';
    const table = document.createElement('table');
    const rule = /^\s*\|?\s*:?-{3,}/;
    const headed = rows.length > 1 && rule.test(rows[1] ?? '');
    rows.forEach((line, index) => {
      if (rule.test(line)) return;
      const tr = document.createElement('tr');
      for (const value of cells(line)) {
        const cell = document.createElement(headed && index === 0 ? 'th' : 'td');
        if (headed && index === 0) cell.setAttribute('scope', 'col');
        renderText(cell, value);
        tr.append(cell);
      }
      table.append(tr);
    });
    box.append(table);
    element.append(box);
    rows = [];
  };
  for (const line of text.split('\n')) {
    if (/^\s*\|/.test(line)) {
      flushProse();
      rows.push(line);
    } else {
      flushRows();
      prose.push(line);
    }
  }
  flushRows();
  flushProse();
}

// An extractive answer carries the whole section it quotes after this marker, then a label line
// (src/knowledge/extractive-answer.service.ts, SECTION_MARKER): shown behind a disclosure.
const SECTION_MARKER = '\n\n---\n';

/**
 * The labels that may follow the marker (answer-strings.catalog.ts `wholeSection`), given by the page's
 * entry script, so that a model's answer with a Markdown rule in it is never mistaken for one.
 * @type {string[]}
 */
let sectionLabels = [];

/** @param {string[]} labels */
export function useSectionLabels(labels) {
  sectionLabels = labels;
}

/**
 * Splits an answer into what is shown at once and the section behind "Show the whole section".
 * @param {string} text
 * @returns {{ shown: string, section?: { label: string, text: string } }}
 */
export function splitAnswer(text) {
  const at = text.indexOf(SECTION_MARKER);
  if (at < 0) return { shown: text };
  const rest = text.slice(at + SECTION_MARKER.length);
  const newline = rest.indexOf('\n');
  if (newline < 0 || !sectionLabels.includes(rest.slice(0, newline).trim())) return { shown: text };
  return {
    shown: text.slice(0, at),
    section: { label: rest.slice(0, newline).trim(), text: rest.slice(newline + 1) },
  };
}

/**
 * The short answer, its source line ("From: title › section [1]") as a link to the passage, and the
 * whole section in a native disclosure (keyboard, screen readers and phones get it for free).
 * @param {HTMLElement} body the message's text element
 * @param {{ shown: string, section: { label: string, text: string } }} parts
 * @param {string} key the message's id or client id
 */
export function renderSectionAnswer(body, parts, key) {
  const details = document.createElement('details');
  details.className = 'answer-section';
  details.id = `section-${key.replace(/[^\w-]/g, '')}`;
  const summary = document.createElement('summary');
  summary.textContent = parts.section.label;
  const sectionText = document.createElement('div');
  sectionText.className = 'answer-section-text';
  renderSectionText(sectionText, parts.section.text);
  details.append(summary, sectionText);

  // The source line is the one that cites passage [1]; the lines around it render as plain text.
  const lines = parts.shown.split('\n');
  const at = lines.findIndex((line) => /\S \[1\]$/.test(line));
  if (at < 0) {
    renderText(body, parts.shown);
  } else {
    const before = document.createElement('span');
    renderText(before, at > 0 ? `${lines.slice(0, at).join('\n')}\n` : '');
    const link = document.createElement('a');
    link.className = 'answer-source';
    link.href = `#${details.id}`;
    link.textContent = lines[at] ?? '';
    link.addEventListener('click', (event) => {
      // Opens the passage in place (the page may be framed by the LMS: no navigation).
      event.preventDefault();
      details.open = true;
      summary.focus();
      details.scrollIntoView({ block: 'nearest' });
    });
    const after = document.createElement('span');
    renderText(after, lines.slice(at + 1).length ? `\n${lines.slice(at + 1).join('\n')}` : '');
    body.replaceChildren(before, link, after);
  }
  body.after(details);
}
