/** One CSV cell: quoted when needed, and a leading = + - @ made inert for spreadsheet apps. */
export function csvCell(value: string | number | null): string {
  let cell = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(cell)) cell = `'${cell}`;
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** An RFC 4180 table (CRLF line ends, a header row) of cells made safe by `csvCell`. */
export function csvTable(
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  const lines = rows.map((row) => row.map(csvCell).join(','));
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
}
