/**
 * What a spreadsheet may read as the start of a formula: `=`, `+`, `-`, `@`, a tab or a carriage return
 * (OWASP's list), a line feed (a cell some programs trim), and the full-width forms of the four signs,
 * which spreadsheets with East Asian input settings may turn into the ASCII ones.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * One CSV cell (RFC 4180), safe to open in a spreadsheet: a value beginning with a formula starter gets a
 * leading apostrophe (OWASP's advice), so it shows as typed text; a value with a comma, quote or line break
 * is quoted, quotes doubled.
 */
export function csvCell(value: unknown): string {
  let text =
    value === undefined || value === null ? '' : value instanceof Date ? value.toISOString() : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV text: CRLF line ends, every cell through {@link csvCell}. */
export function toCsv(rows: readonly (readonly unknown[])[]): string {
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
