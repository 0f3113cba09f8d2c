import { type FullQueryResults, neon, neonConfig, types } from '@neondatabase/serverless'
import { describe, expect, it } from 'vitest'
import { NeonDbError, type SqlOverHttpConfig, sqlOverHttp } from '../src/db/neon-http'
import { bindings } from './helpers'

// src/db/neon-http.ts replaces @neondatabase/serverless's HTTP path in the
// Worker. The driver stays the reference: both ask the same endpoint the same
// things here, and must read back the same values, fields and errors.

const endpoint = bindings.DATABASE_HTTP_ENDPOINT as string
neonConfig.fetchEndpoint = () => endpoint
const driver = neon(bindings.DATABASE_URL, { fullResults: true })
const ours = sqlOverHttp({ connectionString: bindings.DATABASE_URL, endpoint })

// drizzle-orm/neon-http sets these on the driver's types at import; the Worker's client does the same by itself.
for (const oid of [1082, 1114, 1184, 1186, 1115, 1182, 1185, 1187, 1231]) types.setTypeParser(oid, (value: string) => value)

/** The parts of a result both promise: the rows as parsed, and each field's name and type. */
const readBack = (result: {
  rows: unknown[]
  fields: { name: string; dataTypeID: number }[]
  command: string
  rowCount: number | null
}) => ({
  rows: result.rows,
  fields: result.fields.map(({ name, dataTypeID }) => ({ name, dataTypeID })),
  command: result.command,
  rowCount: result.rowCount,
})

async function failureOf(run: () => PromiseLike<unknown>) {
  try {
    await run()
  } catch (error) {
    return error as NeonDbError
  }
  throw new Error('expected the statement to fail')
}

/** Our client to the test database, and how many round trips it has sent. */
function counting(options: Pick<SqlOverHttpConfig, 'resend'> = {}) {
  let sent = 0
  const client = sqlOverHttp({
    connectionString: bindings.DATABASE_URL,
    endpoint,
    fetch: (input, init) => {
      sent++
      return fetch(input, init)
    },
    ...options,
  })
  return { client, sent: () => sent }
}

const errorFields = (error: NeonDbError) => ({
  name: error.name,
  message: error.message,
  code: error.code,
  constraint: error.constraint,
  // The detail names the row, whose id the sequence moved on between the two: its shape is compared.
  detail: error.detail?.replace(/\d+/g, 'N'),
  table: error.table,
  severity: error.severity,
})

// Every type the schema stores, and the arrays and JSON the statements build, with the awkward values of each.
const EVERY_TYPE = `select
  1::int2 as int2, 2147483647::int4 as int4, 9007199254740993::int8 as int8, 7::oid as oid,
  1.5::float4 as float4, 0.1::float8 as float8, 'NaN'::float8 as nan, 12345.67::numeric(12, 2) as numeric,
  true as yes, false as no, 'a "quoted", {braced} \\ text'::text as text, ''::varchar as empty,
  '2026-12-06'::date as date, '2026-12-06 09:00:00.123+00'::timestamptz as timestamptz,
  '2026-12-06 09:00:00'::timestamp as timestamp, '1 day 02:00'::interval as interval,
  '{"a": [1, "two", null], "b": {"c": true}}'::jsonb as jsonb, '{"z": 1, "a": 2}'::json as json,
  array['plain', 'with space', 'comma,', 'quote"', 'back\\slash', '{brace}', '', 'NULL', null, 'ünï ✓'] as texts,
  array[1, null, -3]::int4[] as ints, array[9007199254740993, null]::int8[] as bigints, array[true, false, null] as bools,
  array[1.5, null]::float8[] as floats, array[[1, 2], [3, 4]]::int4[] as matrix, '{}'::text[] as none,
  array['{"a": 1}'::jsonb, null] as jsonbs, array['[1]'::json] as jsons, '[0:1]={5,6}'::int4[] as bounded,
  array['2026-12-06'::date] as dates, array[now()] is not null as stamped, array[1.5]::numeric[] as numerics,
  null::int4 as nothing, null::jsonb as no_json, null::text[] as no_texts`

describe('src/db/neon-http.ts against @neondatabase/serverless', () => {
  it('reads every type back as the driver does, in both row modes', async () => {
    for (const arrayMode of [false, true]) {
      const expected = readBack(await driver.query(EVERY_TYPE, [], { arrayMode, fullResults: true }))
      expect(readBack(await ours.query(EVERY_TYPE, [], { arrayMode }))).toEqual(expected)
    }
  })

  it('sends every kind of parameter as the driver does', async () => {
    const params = [
      42,
      -0.5,
      'text with "quotes" and \\ and ✓',
      null,
      undefined,
      true,
      false,
      new Date('2026-12-06T09:00:00.123Z'),
      ['a', 'b "c"', null, 'd\\e'],
      [
        [1, 2],
        [3, 4],
      ],
      { nested: { list: [1, 'two'] } },
      12345678901234567890n,
    ]
    const query = `select ${params.map((_, i) => `$${i + 1}::text as p${i}`).join(', ')}`
    const expected = readBack(await driver.query(query, params, { fullResults: true }))
    expect(readBack(await ours.query(query, params))).toEqual(expected)
    // A date as a timestamptz: the same instant, whichever form it travelled in.
    const instant = 'select $1::timestamptz = $2::timestamptz as same'
    const at = new Date('2026-12-06T09:00:00.123Z')
    expect((await ours.query(instant, [at, '2026-12-06 09:00:00.123+00'])).rows).toEqual([{ same: true }])
  })

  it('runs a batch in one transaction, each result in its own row mode', async () => {
    const statements = [
      ['select $1::int4 as n', [1]],
      ['select array[$1::text] as list', ['x']],
    ] as const
    // The driver's types want one row mode for a whole batch; its code takes each query's own, as drizzle's batch sends them.
    const mixed = statements.map(([q, p], i) => driver.query(q, [...p], { arrayMode: i === 0, fullResults: true }))
    const expected = (await driver.transaction(mixed as never, { fullResults: true })) as FullQueryResults<boolean>[]
    const got = await ours.transaction(statements.map(([q, p], i) => ours.query(q, [...p], { arrayMode: i === 0 })))
    expect(got.map(readBack)).toEqual(expected.map(readBack))
  })

  it('fails a refused statement with the same error fields', async () => {
    const unnamed = `insert into actors (name, age, gender) values ('', 30, 'x')`
    const expected = await failureOf(() => driver.query(unnamed))
    const got = await failureOf(() => ours.query(unnamed))
    expect(got).toBeInstanceOf(NeonDbError)
    expect(errorFields(got)).toEqual(errorFields(expected))
    expect(got).toMatchObject({ code: '23514', constraint: 'actors_name_trimmed', table: 'actors' })
    expect(got.status).toBe(400)

    const syntax = 'selec 1'
    expect(errorFields(await failureOf(() => ours.query(syntax)))).toEqual(errorFields(await failureOf(() => driver.query(syntax))))
    // A failed batch writes nothing.
    const batch = await failureOf(() =>
      ours.transaction([ours.query(`insert into actors (name, age, gender) values ('Never', 30, 'x')`), ours.query(syntax)]),
    )
    expect(batch.code).toBe('42601')
    expect((await ours.query(`select count(*)::int4 as n from actors where name = 'Never'`)).rows).toEqual([{ n: 0 }])
  })

  it('fails an answer that is not Neon JSON, or none at all, without a SQLSTATE', async () => {
    const elsewhere = sqlOverHttp({ connectionString: bindings.DATABASE_URL, endpoint: `${endpoint}/nowhere` })
    neonConfig.fetchEndpoint = () => `${endpoint}/nowhere`
    try {
      const expected = await failureOf(() => driver.query('select 1'))
      const got = await failureOf(() => elsewhere.query('select 1'))
      expect(got.message).toBe(expected.message)
      expect(got.message).toMatch(/^Server error \(HTTP status 404\)/)
      expect(got.status).toBe(404)
      expect(got.code).toBeUndefined()
    } finally {
      neonConfig.fetchEndpoint = () => endpoint
    }
    const closed = sqlOverHttp({ connectionString: bindings.DATABASE_URL, endpoint: 'http://127.0.0.1:9/sql' })
    const refused = await failureOf(() => closed.query('select 1'))
    expect(refused).toBeInstanceOf(NeonDbError)
    expect(refused.message).toMatch(/^Error connecting to database: /)
    expect(refused.status).toBeUndefined()
  })

  it('sends a refused round trip again only while `resend` says so', async () => {
    const { client, sent } = counting({ resend: (error, attempt) => error.code === '40001' && attempt < 3 })
    const refusal = `do $$ begin raise exception 'refused' using errcode = '40001'; end $$`
    expect((await failureOf(() => client.query(refusal))).code).toBe('40001')
    expect(sent()).toBe(3)
    expect((await failureOf(() => client.query('selec 1'))).code).toBe('42601')
    expect(sent()).toBe(4)
  })

  it('sends a statement only when it is awaited, as drizzle batch expects', async () => {
    const { client, sent } = counting()
    const pending = client.query('select 1 as one')
    expect(sent()).toBe(0)
    expect((await pending).rows).toEqual([{ one: 1 }])
    expect(sent()).toBe(1)
  })
})
