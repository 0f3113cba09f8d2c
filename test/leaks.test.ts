import { sql } from 'drizzle-orm'
import { DrizzleQueryError } from 'drizzle-orm/errors'
import { HTTPException } from 'hono/http-exception'
import { errors as joseErrors } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NeonDbError } from '../src/db/neon-http'
import { ApiError, loggable } from '../src/errors'
import { callJson, setDatabase, tokenFor, withDb } from './helpers'

// What responses and logs must never carry: values, statements, unbounded echoes.

const SECRET = 'Zanzibar-7f3e-secret-name'

/** The JSON lines written to console.error. */
const errorLines = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map((args) => args.map(String).join(' '))

describe('the error log line', () => {
  afterEach(() => vi.restoreAllMocks())

  it('names the request but no value when the database is down during a write', async () => {
    const token = await tokenFor('director')
    await setDatabase('down')
    const log = vi.spyOn(console, 'error')
    const { response, status } = await callJson('/actors', { method: 'POST', token, body: { name: SECRET, age: 33 } })
    expect(status).toBe(503)
    const lines = errorLines(log)
    expect(lines).toHaveLength(1)
    const line = JSON.parse(lines[0]!)
    expect(line).toMatchObject({ level: 'error', requestId: response.headers.get('X-Request-Id'), status: 503, error: 'DrizzleQueryError' })
    expect(line.message.length).toBeGreaterThan(0)
    expect(lines[0]).not.toContain(SECRET)
    expect(lines[0]).not.toMatch(/insert into|params/i)
  })

  it('holds the SQLSTATE and constraint of an unexpected database error, never the statement or the row', async () => {
    // A rule only the database knows, so that the insert fails there with a 500.
    await withDb((db) => db.execute(sql.raw(`alter table actors add constraint leak_probe check (name not like 'Zanzibar%')`)))
    try {
      const log = vi.spyOn(console, 'error')
      const { response, status, body } = await callJson('/actors', {
        method: 'POST',
        token: await tokenFor('director'),
        body: { name: SECRET, age: 33 },
      })
      expect(status).toBe(500)
      expect(body).toEqual({ success: false, error: 500, message: 'internal server error' })
      const [text] = errorLines(log)
      expect(JSON.parse(text!)).toMatchObject({
        requestId: response.headers.get('X-Request-Id'),
        status: 500,
        error: 'DrizzleQueryError',
        sqlState: '23514',
        constraint: 'leak_probe',
        message: expect.stringContaining('leak_probe'),
      })
      // Postgres's detail ("Failing row contains (1, Zanzibar…, 33, Other)") stays out.
      expect(text).not.toContain(SECRET)
      expect(text).not.toMatch(/insert into|params|Failing row/i)
    } finally {
      await withDb((db) => db.execute(sql.raw('alter table actors drop constraint leak_probe')))
    }
  })

  it('cuts a long driver message to 300 characters and leaves the statement and parameters out', () => {
    const cause = Object.assign(new Error(`boom ${'x'.repeat(1_000)}`), { code: 'XX000', detail: SECRET })
    const fields = loggable(new DrizzleQueryError('insert into "actors" ("name") values ($1)', [SECRET], cause))
    expect(fields.message).toHaveLength(301)
    expect(fields.message.endsWith('…')).toBe(true)
    expect(fields).toMatchObject({ error: 'DrizzleQueryError', cause: 'Error', sqlState: 'XX000', stack: undefined })
    expect(JSON.stringify(fields)).not.toMatch(/Zanzibar|insert into/)
  })
})

describe('the kind of error a log line names', () => {
  /** A class as the deployed bundle has it: minified without names (wrangler.toml, `keep_names = false`). */
  // biome-ignore lint/suspicious/noExplicitAny: a class extending a type parameter must take `...args: any[]` (TS2545).
  const minified = <Class extends new (...args: any[]) => object>(Base: Class): Class => {
    const Renamed = class extends Base {}
    Object.defineProperty(Renamed, 'name', { value: 'Ge' })
    return Renamed
  }

  it('is read from the error, not from its class name, which minifying took', () => {
    const MinifiedQueryError = minified(DrizzleQueryError)
    const query = loggable(new MinifiedQueryError('select 1', [], new TypeError('fetch failed')))
    expect(query).toMatchObject({ error: 'DrizzleQueryError', cause: 'TypeError' })
    // jose sets `name` from its class's name; its code says the same and survives minifying.
    expect(loggable(new (minified(joseErrors.JWKSTimeout))()).error).toBe('ERR_JWKS_TIMEOUT')
    expect(loggable(new (minified(ApiError))(503, 'auth service unavailable.')).error).toBe('ApiError')
    expect(loggable(new (minified(HTTPException))(500)).error).toBe('HTTPException')
    expect(loggable(new (minified(NeonDbError))('refused')).error).toBe('NeonDbError')
  })
})

describe('ids echoed in a 404', () => {
  const long = '9'.repeat(100)
  const cut = `${'9'.repeat(64)}…`

  it('cuts an id longer than 64 characters to 64 and …, on every route that echoes one', async () => {
    const token = await tokenFor('producer')
    const cases: [string, string, string][] = [
      ['GET', `/actors/${long}`, `Actor with id ${cut} not found in database.`],
      ['DELETE', `/actors/${long}`, `Actor with id ${cut} not found in database.`],
      ['GET', `/movies/${long}`, `Movie with id ${cut} not found in database.`],
      ['DELETE', `/movies/${long}`, `Movie with id ${cut} not found in database.`],
      ['GET', `/movies/${long}/actors`, `Movie with id ${cut} not found in database.`],
      ['GET', `/actors/${long}/movies`, `Actor with id ${cut} not found in database.`],
      ['PUT', `/movies/${long}/actors/1`, `Movie with id ${cut} not found in database.`],
      ['PUT', `/movies/1/actors/${long}`, `Actor with id ${cut} not found in database.`],
      ['DELETE', `/movies/${long}/actors/1`, `Movie with id ${cut} not found in database.`],
    ]
    for (const [method, path, message] of cases) {
      const { body } = await callJson(path, { method, token })
      expect(body, `${method} ${path}`).toEqual({ success: false, error: 404, message })
    }
    const patch = await callJson(`/actors/${long}`, { method: 'PATCH', token, body: { age: 3 } })
    expect(patch.body.message).toBe(`Actor with id ${cut} not found in database.`)
  })

  it('echoes an id of 64 characters whole, and cuts by characters, not bytes', async () => {
    const token = await tokenFor('assistant')
    const exact = 'a'.repeat(64)
    expect((await callJson(`/actors/${exact}`, { token })).body.message).toBe(`Actor with id ${exact} not found in database.`)
    const emoji = '🎬'.repeat(70)
    const { body } = await callJson(`/movies/${encodeURIComponent(emoji)}`, { token })
    expect(body.message).toBe(`Movie with id ${'🎬'.repeat(64)}… not found in database.`)
  })

  it('answers a 60 KB id with a short message', async () => {
    const { body } = await callJson(`/actors/${'7'.repeat(60_000)}`, { token: await tokenFor('assistant') })
    expect(String(body.message).length).toBeLessThan(120)
  })
})
