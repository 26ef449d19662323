/**
 * CSV as French spreadsheets open it without an import dialog: UTF-8 with a byte-order mark (so
 * accents survive), `;` between fields (`,` is the decimal separator there), CRLF line ends,
 * RFC 4180 quoting. A text that starts like a formula (=, +, -, @) is prefixed with `'`, so a name
 * typed into Guichet can never run as a formula in the manager's spreadsheet.
 */
import type { ServerResponse } from 'node:http';

export type CsvCell = string | number | null;

const separator = ';';

function cell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return '\uFEFF' + [header, ...rows].map((row) => row.map(cell).join(separator)).join('\r\n') + '\r\n';
}

/** Sends a CSV as a download named `filename` (ASCII only). */
export function sendCsv(res: ServerResponse, filename: string, csv: string): void {
  const body = Buffer.from(csv, 'utf8');
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${filename}"`,
    'content-length': body.length,
    'cache-control': 'no-store'
  });
  res.end(body);
}
