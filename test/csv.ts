/** A strict RFC 4180 reader for tests: quoted fields, doubled quotes, CRLF records. */
export const parseCsv = (input: string): string[][] => {
  // A statement's CSV starts with a byte-order mark (for Excel, src/domain/statements.ts CSV_BOM), which
  // is not part of its first field, as any CSV reader takes it.
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const rows: string[][] = [];
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      fields.push(field);
      rows.push(fields);
      fields = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || fields.length) {
    fields.push(field);
    rows.push(fields);
  }
  return rows;
};

/**
 * How a spreadsheet that takes `;` as its separator (Excel in much of Europe, opening a `.csv` by a
 * double click) cuts a record of this comma-separated file into cells: at every `;`, a quote opening a
 * quoted field only where a cell starts (a quote inside a cell is a character). The commas stay in the
 * cells; nothing is unquoted but a field quoted from its start.
 */
export const semicolonCells = (record: string): string[] => {
  const cells: string[] = [];
  let i = 0;
  while (i <= record.length) {
    let cell = '';
    if (record[i] === '"') {
      i++;
      while (i < record.length && !(record[i] === '"' && record[i + 1] !== '"')) {
        cell += record[i];
        i += record[i] === '"' ? 2 : 1;
      }
      i++;
    }
    while (i < record.length && record[i] !== ';') cell += record[i++];
    cells.push(cell);
    i++;
  }
  return cells;
};
