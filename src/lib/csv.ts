/**
 * One CSV cell (RFC 4180), safe to open in a spreadsheet: a value beginning with `=`, `+`, `-`, `@`, a
 * tab or a carriage return would be read as a formula, so it gets a leading apostrophe (OWASP's advice);
 * a value with a comma, quote or line break is quoted, quotes doubled.
 */
export function csvCell(value: unknown): string {
  let text =
    value === undefined || value === null ? '' : value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV text: CRLF line ends, every cell through {@link csvCell}. */
export function toCsv(rows: readonly (readonly unknown[])[]): string {
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
