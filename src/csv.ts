// CSV as RFC 4180 writes it, and as spreadsheets save it (API.md D3). Written
// here, not taken from papaparse: its 7 KiB gzip would push the Worker past its
// 150 KiB budget. test/csv.test.ts holds both functions to papaparse's answers
// on generated text, and to the RFC's examples.
// @see https://www.rfc-editor.org/rfc/rfc4180

/** The media type of an export, and what an import's Content-Type must name. */
export const CSV_MEDIA = 'text/csv; charset=utf-8'

/**
 * A text cell a spreadsheet could run as a formula: `=`, `+`, `-`, `@`, tab,
 * CR or LF first (OWASP, "CSV Injection"). Apostrophes before them count too,
 * so that a text that truly begins with `'=` gets one more and comes back
 * whole: export adds one `'`, import removes one.
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */
const FORMULA = /^'*[=+\-@\t\r\n]/

/** A cell that RFC 4180 quotes, and one whose edge spaces a spreadsheet would trim. */
const NEEDS_QUOTES = /[",\r\n]|^ | $/

/**
 * One value as a cell: empty for null, numbers and booleans as they are, text
 * with a leading `'` if it could start a formula, anything else as JSON text;
 * quoted where RFC 4180 needs it.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  let text = typeof value === 'string' ? value : JSON.stringify(value)
  if (FORMULA.test(text)) text = `'${text}`
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One record: `columns` of `row`, each a cell, ended by CRLF. */
export const csvRecord = (row: Record<string, unknown>, columns: readonly string[]) =>
  `${columns.map((column) => csvCell(row[column])).join(',')}\r\n`

/** The header record: the column names. */
export const csvHeader = (columns: readonly string[]) => `${columns.map(csvCell).join(',')}\r\n`

/** A cell as it was before export escaped it: one leading `'` fewer, if it guards a formula character. */
export const unescapedCell = (cell: string) => (cell.startsWith("'") && FORMULA.test(cell) ? cell.slice(1) : cell)

/** Why a text is not CSV, and in which record (from 0). */
export class CsvSyntaxError extends Error {
  readonly record: number

  constructor(record: number, reason: string) {
    super(reason)
    this.record = record
  }
}

const COMMA = 44
const CR = 13
const LF = 10

/**
 * The records of a CSV text, each a list of cells. Fields separated by
 * commas, records by CRLF, LF or CR (so a file from any system reads alike);
 * a final line break or none; a leading byte order mark is skipped. A quoted
 * field may hold commas, line breaks and doubled quotes; its closing quote
 * must end the field, and it must be closed (else a CsvSyntaxError). A quote
 * inside an unquoted field is a plain character, as spreadsheets read it. An
 * empty line is a record of one empty cell, so that record numbers stay the
 * file's row numbers.
 */
export function parseCsv(input: string): string[][] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input
  const records: string[][] = []
  const n = text.length
  if (n === 0) return records
  let record: string[] = []
  let i = 0
  for (;;) {
    if (text.charCodeAt(i) === 34) {
      // A quoted field: up to the quote that is not doubled.
      let cell = ''
      let from = i + 1
      for (;;) {
        const quote = text.indexOf('"', from)
        if (quote === -1) throw new CsvSyntaxError(records.length, 'a quoted field is not closed')
        if (text.charCodeAt(quote + 1) === 34) {
          cell += text.slice(from, quote + 1)
          from = quote + 2
          continue
        }
        cell += text.slice(from, quote)
        i = quote + 1
        break
      }
      const next = text.charCodeAt(i)
      if (i < n && next !== COMMA && next !== CR && next !== LF) {
        throw new CsvSyntaxError(records.length, 'a quoted field goes on after its closing quote')
      }
      record.push(cell)
    } else {
      let end = i
      for (; end < n; end++) {
        const c = text.charCodeAt(end)
        if (c === COMMA || c === CR || c === LF) break
      }
      record.push(text.slice(i, end))
      i = end
    }
    if (i >= n) break
    if (text.charCodeAt(i) === COMMA) {
      i++
      continue
    }
    // A line break: CRLF, LF or CR.
    i += text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? 2 : 1
    records.push(record)
    record = []
    if (i >= n) return records
  }
  records.push(record)
  return records
}
