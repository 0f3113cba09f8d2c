import fc from 'fast-check'
import Papa from 'papaparse'
import { describe, expect, it } from 'vitest'
import { CsvSyntaxError, csvCell, csvHeader, csvRecord, parseCsv, unescapedCell } from '../src/csv'

// src/csv.ts is written by hand (papaparse would not fit the bundle budget),
// so it is held to what papaparse answers: RFC 4180's examples, the core cases
// of papaparse's own suite (tests/test-cases.js), and generated files, parsed
// by both. Then the writer: formula escaping, quoting, and the round trip.

const parse = (text: string) => parseCsv(text)

describe('parseCsv', () => {
  // RFC 4180 section 2, its examples in order.
  it.each([
    [
      'records on separate lines, CRLF',
      'aaa,bbb,ccc\r\nzzz,yyy,xxx\r\n',
      [
        ['aaa', 'bbb', 'ccc'],
        ['zzz', 'yyy', 'xxx'],
      ],
    ],
    [
      'the last record without a line break',
      'aaa,bbb,ccc\r\nzzz,yyy,xxx',
      [
        ['aaa', 'bbb', 'ccc'],
        ['zzz', 'yyy', 'xxx'],
      ],
    ],
    [
      'a header line',
      'field_name,field_name\r\naaa,bbb\r\n',
      [
        ['field_name', 'field_name'],
        ['aaa', 'bbb'],
      ],
    ],
    [
      'quoted fields',
      '"aaa","bbb","ccc"\r\nzzz,yyy,xxx',
      [
        ['aaa', 'bbb', 'ccc'],
        ['zzz', 'yyy', 'xxx'],
      ],
    ],
    [
      'a line break in a quoted field',
      '"aaa","b\r\nbb","ccc"\r\nzzz,yyy,xxx',
      [
        ['aaa', 'b\r\nbb', 'ccc'],
        ['zzz', 'yyy', 'xxx'],
      ],
    ],
    ['a doubled quote in a quoted field', '"aaa","b""bb","ccc"', [['aaa', 'b"bb', 'ccc']]],
  ])('RFC 4180: %s', (_, text, records) => {
    expect(parse(text)).toEqual(records)
  })

  // papaparse's CORE_PARSER_TESTS with the default configuration, as its suite expects them.
  it.each([
    ['One row', 'A,b,c', [['A', 'b', 'c']]],
    [
      'Two rows',
      'A,b,c\nd,E,f',
      [
        ['A', 'b', 'c'],
        ['d', 'E', 'f'],
      ],
    ],
    [
      'Three rows',
      'A,b,c\nd,E,f\nG,h,i',
      [
        ['A', 'b', 'c'],
        ['d', 'E', 'f'],
        ['G', 'h', 'i'],
      ],
    ],
    ['Whitespace at edges of unquoted field', 'a,\tb ,c', [['a', '\tb ', 'c']]],
    ['Quoted field', 'A,"B",C', [['A', 'B', 'C']]],
    ['Quoted field with extra whitespace on edges', 'A," B  ",C', [['A', ' B  ', 'C']]],
    ['Quoted field with delimiter', 'A,"B,B",C', [['A', 'B,B', 'C']]],
    ['Quoted field with line break', 'A,"B\nB",C', [['A', 'B\nB', 'C']]],
    ['Quoted fields with line breaks', 'A,"B\nB","C\nC\nC"', [['A', 'B\nB', 'C\nC\nC']]],
    [
      'Quoted fields at end of row with delimiter and line break',
      'a,b,"c,c\nc"\nd,e,f',
      [
        ['a', 'b', 'c,c\nc'],
        ['d', 'e', 'f'],
      ],
    ],
    ['Quoted field with escaped quotes', 'A,"B""B""B",C', [['A', 'B"B"B', 'C']]],
    ['Quoted field with escaped quotes at boundaries', 'A,"""B""",C', [['A', '"B"', 'C']]],
    ['Unquoted field with quotes at end of field', 'A,B",C', [['A', 'B"', 'C']]],
    ['Quoted field with quotes around delimiter', 'A,""",""",C', [['A', '","', 'C']]],
    ['Quoted field with quotes on right side of delimiter', 'A,",""",C', [['A', ',"', 'C']]],
    ['Quoted field with quotes on left side of delimiter', 'A,""",",C', [['A', '",', 'C']]],
    ['Quoted field with 5 quotes in a row and a delimiter in there, too', '"1","cnonce="""",nc=""""","2"', [['1', 'cnonce="",nc=""', '2']]],
    ['Quoted field with whitespace around quotes', 'A, "B" ,C', [['A', ' "B" ', 'C']]],
    ['Misplaced quotes in data, not as opening quotes', 'A,B "B",C', [['A', 'B "B"', 'C']]],
    ['Quoted field has no closing quote, then a delimiter', 'a,"b,c\nd,e,f', 'error'],
    [
      'Line starts with quoted field',
      'a,b,c\n"d",e,f',
      [
        ['a', 'b', 'c'],
        ['d', 'e', 'f'],
      ],
    ],
    [
      'Line starts with unquoted empty field',
      ',b,c\n"d",e,f',
      [
        ['', 'b', 'c'],
        ['d', 'e', 'f'],
      ],
    ],
    [
      'Line ends with quoted field',
      'a,b,c\nd,e,f\n"g","h","i"\n"j","k","l"',
      [
        ['a', 'b', 'c'],
        ['d', 'e', 'f'],
        ['g', 'h', 'i'],
        ['j', 'k', 'l'],
      ],
    ],
    [
      'Line ends with quoted field, first field of next line is empty, \\n',
      'a,b,c\n,e,f\n,"h","i"\n,"k","l"',
      [
        ['a', 'b', 'c'],
        ['', 'e', 'f'],
        ['', 'h', 'i'],
        ['', 'k', 'l'],
      ],
    ],
    [
      'Quoted field at end of row (but not at EOF) has quotes',
      'a,b,"c""c"""\nd,e,f',
      [
        ['a', 'b', 'c"c"'],
        ['d', 'e', 'f'],
      ],
    ],
    [
      'Empty quoted field at EOF is empty',
      'a,b,""\na,b,""',
      [
        ['a', 'b', ''],
        ['a', 'b', ''],
      ],
    ],
    [
      'Multiple consecutive empty fields',
      'a,b,,,c,d\n,,e,,,f',
      [
        ['a', 'b', '', '', 'c', 'd'],
        ['', '', 'e', '', '', 'f'],
      ],
    ],
    ['Empty input string', '', []],
    ['Input is just the delimiter (2 empty fields)', ',', [['', '']]],
    [
      'Input is just empty fields',
      ',,\n,,,',
      [
        ['', '', ''],
        ['', '', '', ''],
      ],
    ],
    ['Input is just a string (a single field)', 'Abc def', [['Abc def']]],
    ['Commented line at beginning (comments are off)', '# Comment!\na,b,c', [['# Comment!'], ['a', 'b', 'c']]],
    [
      'Carriage return line breaks',
      'a,b,c\rd,e,f',
      [
        ['a', 'b', 'c'],
        ['d', 'e', 'f'],
      ],
    ],
    ['Mixed slash n and slash r should choose first as precident', 'a,b,c\nd,e,f\rg,h,i\n', 'papaparse'],
  ])('papaparse: %s', (_, text, expected) => {
    if (expected === 'error') {
      expect(() => parse(text)).toThrow(CsvSyntaxError)
      expect(Papa.parse(text).errors.map((e) => e.code)).toContain('MissingQuotes')
    } else if (expected === 'papaparse') {
      // papaparse takes the first kind of line break for the whole file, so a lone CR is data to it; here every
      // kind ends a record, as spreadsheets save a file on any system. The one case where the two differ.
      expect(parse(text)).toEqual([
        ['a', 'b', 'c'],
        ['d', 'e', 'f'],
        ['g', 'h', 'i'],
      ])
    } else {
      expect(parse(text)).toEqual(expected)
    }
  })

  it('skips a byte order mark, and reads LF, CRLF and a final line break or none alike', () => {
    const records = [
      ['name', 'age'],
      ['Ada', '36'],
    ]
    for (const text of [
      'name,age\nAda,36',
      'name,age\nAda,36\n',
      'name,age\r\nAda,36',
      'name,age\r\nAda,36\r\n',
      '\ufeffname,age\r\nAda,36\r\n',
    ]) {
      expect(parse(text)).toEqual(records)
    }
  })

  it('keeps empty trailing fields and empty lines, so records are the rows a spreadsheet numbers', () => {
    expect(parse('a,b,c\r\nAda,36,\r\n\r\nBo,,\r\n')).toEqual([['a', 'b', 'c'], ['Ada', '36', ''], [''], ['Bo', '', '']])
  })

  it('names the record of a quote that is not closed, or that a field goes on after', () => {
    const recordOf = (text: string) => {
      try {
        parse(text)
      } catch (error) {
        return [(error as CsvSyntaxError).record, (error as Error).message]
      }
      return undefined
    }
    expect(recordOf('a,b\r\nc,d\r\n"e,f\r\n')).toEqual([2, 'a quoted field is not closed'])
    expect(recordOf('a,b\r\n"c"d,e\r\n')).toEqual([1, 'a quoted field goes on after its closing quote'])
    expect(recordOf('a,"multi\r\nline"\r\n"x"y')).toEqual([1, 'a quoted field goes on after its closing quote'])
  })

  // Any file of well-formed records, with one kind of line break, reads as papaparse reads it.
  const cell = fc.oneof(
    fc.stringMatching(/^[^,"\r\n]*$/),
    fc
      .string({ unit: fc.constantFrom('a', 'é', ' ', ',', '"', '\r', '\n', '\r\n', '=', "'", '\t') })
      .map((text) => `"${text.replaceAll('"', '""')}"`),
  )
  const file = fc.record({
    records: fc.array(fc.array(cell, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
    newline: fc.constantFrom('\r\n', '\n'),
    final: fc.boolean(),
  })
  it('reads generated files as papaparse does', () => {
    fc.assert(
      fc.property(file, ({ records, newline, final }) => {
        const text = records.map((record) => record.join(',')).join(newline) + (final ? newline : '')
        const papa = Papa.parse<string[]>(text, { delimiter: ',', newline: newline as '\r\n' | '\n' })
        if (final) papa.data.pop() // papaparse reads a final line break as an empty last record
        expect(papa.errors).toEqual([])
        expect(parse(text)).toEqual(papa.data)
      }),
      { numRuns: 500 },
    )
  })
})

describe('csvCell', () => {
  it.each([
    [null, ''],
    [undefined, ''],
    [42, '42'],
    [12.5, '12.5'],
    [-2, '-2'], // a number is not text: nothing to escape
    [true, 'true'],
    ['Ada Lovelace', 'Ada Lovelace'],
    ['Lovelace, Ada', '"Lovelace, Ada"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\r\nlines', '"two\r\nlines"'],
    [' padded ', '" padded "'],
    ['', ''],
    ['=HYPERLINK("http://x.example","click")', `"'=HYPERLINK(""http://x.example"",""click"")"`],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@x', "'@x"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['\nx', `"'\nx"`],
    ["'=x", "''=x"], // one more, which import takes away again
    ["'x", "'x"],
    ['a=b', 'a=b'],
    [{ name: 'Ada', age: 36 }, '"{""name"":""Ada"",""age"":36}"'],
  ])('%j is written %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell)
  })

  it('writes a record and a header ended by CRLF, an empty cell for a missing value', () => {
    expect(csvHeader(['id', 'name'])).toBe('id,name\r\n')
    expect(csvRecord({ id: 1, name: null }, ['id', 'name'])).toBe('1,\r\n')
  })

  it('round-trips any text through write, parse and unescape', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '😀', ' ', ',', '"', '\r', '\n', '=', '+', '-', '@', '\t', "'") })
    fc.assert(
      fc.property(fc.array(fc.array(text, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }), (records) => {
        const columns = records[0]!.map((_, i) => `c${i}`)
        const rows = records.map((record) => Object.fromEntries(columns.map((column, i) => [column, record[i] ?? ''])))
        const written = rows.map((row) => csvRecord(row, columns)).join('')
        const read = parseCsv(written).map((record) => record.map(unescapedCell))
        expect(read).toEqual(rows.map((row) => columns.map((column) => row[column])))
        // papaparse reads what is written the same way.
        const papa = Papa.parse<string[]>(written, { delimiter: ',', newline: '\r\n' }).data.slice(0, -1)
        expect(papa.map((record) => record.map(unescapedCell))).toEqual(read)
      }),
      { numRuns: 500 },
    )
  })
})
