// The local SQL-over-HTTP endpoint against `pg` itself: the same statements,
// through Neon's driver and the endpoint, and straight to Postgres, give the
// same values, field types and error codes. Runs in Node (pg needs sockets).
import { neon, neonConfig } from '@neondatabase/serverless'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTarget } from '../../scripts/lib/dev-vars.ts'
import { type SqlEndpoint, startSqlEndpoint } from '../../scripts/lib/sql-endpoint.ts'
import { startTestDatabase, type TestDatabase } from './test-database.ts'

let database: TestDatabase
let endpoint: SqlEndpoint
let direct: pg.Client
let viaEndpoint: ReturnType<typeof neon<false, true>>

beforeAll(async () => {
  database = await startTestDatabase()
  endpoint = await startSqlEndpoint({ target: databaseTarget(database.url) })
  neonConfig.fetchEndpoint = () => endpoint.url
  viaEndpoint = neon(database.url, { fullResults: true })
  direct = new pg.Client({ connectionString: database.url })
  await direct.connect()
  await direct.query('truncate table castings, actors, movies restart identity cascade')
  await direct.query(
    `insert into actors (name, age, gender) values ('Zoë Ångström 🎬 名前', 0, 'Other'), ('O''Brien "quoted" \\ back', 150, 'Non-binary')`,
  )
  await direct.query(
    `insert into movies (title, release_date) values ('Fargo', '1996-03-08'), ('Year one', '0001-01-01'), ('Far future', '9999-12-31')`,
  )
  await direct.query('insert into castings (movie_id, actor_id, fee) values (1, 1, 1234.5), (2, 1, 0), (1, 2, null), (3, 2, 9999999999.99)')
})

afterAll(async () => {
  await direct?.end()
  await endpoint?.close()
  await database?.close()
})

const STATEMENTS: Array<[string, string, unknown[]]> = [
  ['integers, text and unicode', 'select id, name, age, gender from actors order by id', []],
  ['dates, including the extremes', 'select id, title, release_date from movies order by id', []],
  ['numerics with two decimals, and null', 'select movie_id, actor_id, fee from castings order by movie_id, actor_id', []],
  [
    'parameters of every kind',
    'select $1::int as i, $2::text as t, $3::date as d, $4::numeric(12,2) as n, $5::text as missing',
    [42, 'né ✓', '2020-02-16', '12.30', null],
  ],
  ['booleans, bigints and hashes', "select exists (select 1 from actors) as b, count(*) as c, md5('x') as h from castings", []],
  ['an empty result', 'select id from actors where false', []],
  ['a write with returning', 'update actors set age = age where id = 1 returning id, name', []],
]

describe('the SQL endpoint speaks Neon’s wire format', () => {
  it.each(STATEMENTS)('gives what pg gives: %s', async (_, query, params) => {
    const [ours, theirs] = [await viaEndpoint.query(query, params), await direct.query(query, params)]
    expect(ours.rows).toEqual(theirs.rows)
    expect(ours.fields.map(({ name, dataTypeID }) => ({ name, dataTypeID }))).toEqual(
      theirs.fields.map(({ name, dataTypeID }) => ({ name, dataTypeID })),
    )
    expect(ours.command).toBe(theirs.command)
    expect(ours.rowCount).toBe(theirs.rowCount)
  })

  it.each([
    ['a check constraint', "insert into actors (name, age) values ('Too old', 151)"],
    ['a primary key', 'insert into castings (movie_id, actor_id) values (1, 1)'],
    ['a foreign key', 'insert into castings (movie_id, actor_id) values (1, 999)'],
    ['a syntax error', 'selec 1'],
    ['an unknown table', 'select * from performers'],
    ['a value of the wrong type', "select 'abc'::int"],
  ])('answers the same error as pg: %s', async (_, query) => {
    const ours = await viaEndpoint.query(query).then(
      () => undefined,
      (error: Record<string, unknown>) => error,
    )
    const theirs = await direct.query(query).then(
      () => undefined,
      (error: Record<string, unknown>) => error,
    )
    expect(ours).toBeDefined()
    expect(ours?.code).toBe(theirs?.code)
    expect(ours?.constraint).toBe(theirs?.constraint)
    expect(ours?.message).toBe(theirs?.message)
  })

  it('runs a batch as one transaction: all of it, or none of it', async () => {
    const [inserted, counted] = await viaEndpoint.transaction((sql) => [
      sql`insert into movies (title, release_date) values ('Batch', '2001-01-01') returning id`,
      sql`select count(*)::int as n from movies`,
    ])
    expect(inserted?.rows).toEqual([{ id: 4 }])
    expect(counted?.rows).toEqual([{ n: 4 }])

    const failed = await viaEndpoint
      .transaction((sql) => [sql`insert into movies (title, release_date) values ('Rolled back', '2001-01-01')`, sql`select 1/0`])
      .catch((error: { code?: string }) => error)
    expect((failed as { code?: string }).code).toBe('22012')
    expect((await direct.query("select count(*)::int as n from movies where title = 'Rolled back'")).rows).toEqual([{ n: 0 }])
  })

  it('honours the batch isolation headers: a read-only batch cannot write', async () => {
    const failed = await viaEndpoint
      .transaction((sql) => [sql`insert into movies (title, release_date) values ('Nope', '2001-01-01')`], {
        isolationLevel: 'Serializable',
        readOnly: true,
      })
      .catch((error: { code?: string }) => error)
    expect((failed as { code?: string }).code).toBe('25006')
  })

  it('counts round trips and statements', async () => {
    endpoint.stats(true)
    await viaEndpoint.query('select 1')
    await viaEndpoint.transaction((sql) => [sql`select 1`, sql`select 2`])
    expect(endpoint.stats()).toEqual({ requests: 2, statements: 3 })
  })
})

describe('the SQL endpoint is not reachable from a web page', () => {
  const post = (url: string, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'Neon-Connection-String': database.url, 'Neon-Array-Mode': 'true', 'Neon-Raw-Text-Output': 'true', ...headers },
      body: JSON.stringify({ query: 'select 1', params: [] }),
    })

  it('answers the driver', async () => {
    expect((await post(endpoint.url)).status).toBe(200)
  })

  it('refuses a request that carries an Origin header', async () => {
    const response = await post(endpoint.url, { Origin: 'https://evil.example' })
    expect(response.status).toBe(403)
  })

  it('refuses a request without this run’s secret', async () => {
    const { origin } = new URL(endpoint.url)
    expect((await post(`${origin}/sql`)).status).toBe(404)
    expect((await post(`${origin}/not-the-secret/sql`)).status).toBe(404)
  })

  it('listens on the loopback address only', () => {
    expect(new URL(endpoint.url).hostname).toBe('127.0.0.1')
  })
})

describe('the SQL endpoint’s failure modes, as the driver sees them', () => {
  it.each([
    ['down', /Error connecting to database/],
    ['error', /Server error \(HTTP status 503\)/],
    ['garbled', /JSON/],
  ] as const)('%s: the driver fails without a SQLSTATE, then recovers', async (mode, message) => {
    await endpoint.setMode(mode)
    try {
      const error = await viaEndpoint.query('select 1').then(
        () => undefined,
        (failure: Error & { code?: unknown }) => failure,
      )
      expect(error?.message).toMatch(message)
      expect(error?.code).toBeUndefined()
    } finally {
      await endpoint.setMode('up')
    }
    expect((await viaEndpoint.query('select 1 as one')).rows).toEqual([{ one: 1 }])
  })
})

// API.md C6: what Neon's proxy refuses, refused here too; no state kept between requests.
// @see https://github.com/neondatabase/neon/blob/main/proxy/src/serverless/sql_over_http.rs
describe('the SQL endpoint is as strict as Neon’s proxy', () => {
  // One pooled connection, so every request lands on the connection the one before it used.
  let single: SqlEndpoint
  const sqlVia = (url: string, connectionString = database.url) => {
    neonConfig.fetchEndpoint = () => url
    return neon(connectionString, { fullResults: true })
  }
  const post = (body: string) =>
    fetch(single.url, {
      method: 'POST',
      headers: { 'Neon-Connection-String': database.url, 'Neon-Raw-Text-Output': 'true' },
      body,
    })
  beforeAll(async () => {
    single = await startSqlEndpoint({ target: databaseTarget(database.url), poolSize: 1 })
  })
  afterAll(async () => {
    neonConfig.fetchEndpoint = () => endpoint.url
    await single?.close()
  })

  it('resets a connection before the next request: a set_config(…, false) is gone', async () => {
    const sql = sqlVia(single.url)
    expect((await sql.query(`select set_config('app.probe', 'x', false) as v`)).rows).toEqual([{ v: 'x' }])
    const [after] = (await sql.query(`select current_setting('app.probe', true) as v`)).rows
    expect(after?.v ?? '').toBe('')
  })

  it('resets a connection before the next request: a temporary table and an advisory lock are gone', async () => {
    const sql = sqlVia(single.url)
    await sql.query('create temporary table probe_temp (id int)')
    await sql.query('select pg_advisory_lock(4242)')
    const [after] = (
      await sql.query(
        `select to_regclass('pg_temp.probe_temp')::text as temp_table,
                (select count(*)::int from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()) as advisory_locks`,
      )
    ).rows
    expect(after).toEqual({ temp_table: null, advisory_locks: 0 })
  })

  it('refuses several statements in one string with 42601, and runs none of them', async () => {
    const failed = await sqlVia(single.url)
      .query(`insert into movies (title, release_date) values ('Twice', '2001-01-01'); select 1`)
      .then(
        () => undefined,
        (error: { code?: string }) => error,
      )
    expect(failed?.code).toBe('42601')
    expect((await direct.query(`select count(*)::int as n from movies where title = 'Twice'`)).rows).toEqual([{ n: 0 }])
  })

  it('refuses a response over 10 MiB with 507, as Neon answers it', async () => {
    const response = await post(JSON.stringify({ query: `select repeat('x', 1048576) from generate_series(1, 11)`, params: [] }))
    expect(response.status).toBe(507)
    const body = (await response.json()) as { message?: string; code?: string }
    expect(body).toMatchObject({ message: 'response is too large (max is 10485760 bytes)', code: '' })
    // The driver reads it as a failure without a SQLSTATE, which the Worker answers with a 503.
    const failed = await sqlVia(single.url)
      .query(`select repeat('x', 1048576) from generate_series(1, 11)`)
      .then(
        () => undefined,
        (error: { code?: string; message?: string }) => error,
      )
    expect(failed?.message).toMatch(/HTTP status 507.*response is too large/)
    expect(failed?.code).toBeUndefined()
    // Nine MiB is under the limit.
    expect((await post(JSON.stringify({ query: `select repeat('x', 1048576) from generate_series(1, 9)`, params: [] }))).status).toBe(200)
  })

  // Neon's proxy measures the JSON it has written in UTF-8 bytes; the last row counts as any other (sql-endpoint.ts, ResponseSize).
  const MAX = 10 * 1024 * 1024
  const selectOne = (query: string) => post(JSON.stringify({ query, params: [] }))

  it('refuses one row over 10 MiB with 507', async () => {
    const response = await selectOne(`select repeat('x', ${MAX + 1024}) as big`)
    expect(response.status).toBe(507)
    expect(await response.json()).toMatchObject({ message: 'response is too large (max is 10485760 bytes)', code: '' })
  })

  it('counts UTF-8 bytes: rows of three-byte characters under 10 MiB in UTF-16 units but over it in bytes are a 507', async () => {
    // 15 rows of 350,000 '€': 5.25 million UTF-16 code units, 15.75 MB.
    const response = await selectOne(`select repeat('€', 350000) as euros from generate_series(1, 15)`)
    expect(response.status).toBe(507)
    // The same as one row (a 'x' among them is one byte): 3.6 million characters, 10.8 MB.
    expect((await selectOne(`select repeat('€', 3600000) as euros`)).status).toBe(507)
  })

  it('answers a response just under 10 MiB, and refuses it a kilobyte larger', async () => {
    // Three-byte characters up to 1 KiB under the limit, with the JSON around them.
    const under = await selectOne(`select repeat('€', ${Math.floor((MAX - 1024) / 3)}) as euros`)
    expect(under.status).toBe(200)
    const size = Buffer.byteLength(await under.text())
    expect(size).toBeLessThanOrEqual(MAX)
    expect(size).toBeGreaterThan(MAX - 1024)
    expect((await selectOne(`select repeat('€', ${Math.floor((MAX + 1024) / 3)}) as euros`)).status).toBe(507)
  })

  it('counts a batch as one response: two results of 6 MiB are a 507', async () => {
    const response = await fetch(single.url, {
      method: 'POST',
      headers: { 'Neon-Connection-String': database.url, 'Neon-Raw-Text-Output': 'true' },
      body: JSON.stringify({
        queries: [
          { query: `select repeat('x', ${6 * 1024 * 1024}) as a`, params: [] },
          { query: `select repeat('y', ${6 * 1024 * 1024}) as b`, params: [] },
        ],
      }),
    })
    expect(response.status).toBe(507)
  })

  it('takes a request up to 10 MiB and refuses a larger one with 413, as Neon answers it', async () => {
    const twoMiB = 'y'.repeat(2 * 1024 * 1024)
    const taken = await post(JSON.stringify({ query: 'select length($1) as n', params: [twoMiB] }))
    expect(taken.status).toBe(200)
    expect(((await taken.json()) as { rows: unknown[] }).rows).toEqual([{ n: String(twoMiB.length) }])
    const refused = await post(JSON.stringify({ query: 'select length($1) as n', params: ['z'.repeat(10 * 1024 * 1024 + 1)] }))
    expect(refused.status).toBe(413)
    expect(await refused.json()).toMatchObject({ message: 'request is too large (max is 10485760 bytes)', code: '' })
  })

  it('passes only the user, password and database of the connection string to Postgres', async () => {
    const withOptions = `${database.url}${database.url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c work_mem=1234kB')}`
    const [setting] = (await sqlVia(single.url, withOptions).query(`select current_setting('work_mem') as work_mem`)).rows
    expect(setting?.work_mem).not.toBe('1234kB')
  })

  it('adds no statement time limit: the database’s own (4 s, migrations/0002) is what a request gets', async () => {
    const sql = sqlVia(single.url)
    if (process.env.TEST_DATABASE_URL) {
      const [setting] = (await sql.query(`select setting, source from pg_settings where name = 'statement_timeout'`)).rows
      expect(setting).toEqual({ setting: '4000', source: 'database' })
    } else {
      // PGlite stores the setting but applies none to its one backend (and cancels nothing): the migration ran.
      const [stored] = (
        await sql.query(
          `select setconfig from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase where d.datname = current_database()`,
        )
      ).rows
      expect(stored?.setconfig).toContain('statement_timeout=4s')
    }
  })
})
