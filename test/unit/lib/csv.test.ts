import { expect } from 'chai';
import { csvCell, toCsv } from '../../../src/lib/csv.js';

describe('CSV export cells', () => {
  it('puts an apostrophe before values a spreadsheet would run as a formula', () => {
    expect(csvCell('=1+2')).to.equal("'=1+2");
    expect(csvCell('+33 6 12')).to.equal("'+33 6 12");
    expect(csvCell('-2')).to.equal("'-2");
    expect(csvCell('@SUM(A1)')).to.equal("'@SUM(A1)");
    expect(csvCell('\tindented')).to.equal("'\tindented");
    expect(csvCell('\r=x')).to.equal(`"'\r=x"`);
    expect(csvCell('a=b')).to.equal('a=b');
  });

  it('quotes commas, quotes and line breaks, doubling quotes (after the apostrophe)', () => {
    expect(csvCell('a,b')).to.equal('"a,b"');
    expect(csvCell('say "hi"')).to.equal('"say ""hi"""');
    expect(csvCell('two\nlines')).to.equal('"two\nlines"');
    expect(csvCell('=HYPERLINK("http://x","y")')).to.equal(`"'=HYPERLINK(""http://x"",""y"")"`);
  });

  it('writes empty cells for missing values, ISO times for dates, CRLF rows', () => {
    expect(csvCell(undefined)).to.equal('');
    expect(csvCell(null)).to.equal('');
    expect(csvCell(new Date('2026-01-02T03:04:05Z'))).to.equal('2026-01-02T03:04:05.000Z');
    expect(
      toCsv([
        ['a', 1],
        ['b', '=c'],
      ]),
    ).to.equal("a,1\r\nb,'=c\r\n");
  });
});
