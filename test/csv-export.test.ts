import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { parseCsv } from '../src/csv'
import { castings, EVENT_KEYS } from '../src/db/schema'
import { actorSchema } from '../src/schemas/actors'
import { castMemberSchema, filmographyEntrySchema } from '../src/schemas/castings'
import { EXPORT_CHUNK_ROWS } from '../src/schemas/limits'
import { movieSchema } from '../src/schemas/movies'
import { actorRow, actorsCsv, columnsOf, csvOf } from './expected'
import { call, callJson, countedByEndpoint, insertActors, insertMovies, producer, setDatabase, tokenFor, withDb } from './helpers'

// API.md D3, export: `Accept: text/csv` on the lists answers every matching row as RFC 4180 CSV, streamed in
// keyset chunks; errors stay JSON envelopes.

const CSV = { Accept: 'text/csv' }

async function exported(path: string, headers: Record<string, string> = CSV) {
  const response = await call(path, { token: await producer(), headers })
  return { response, text: await response.text() }
}

const numberedActors = (count: number, name: (i: number) => string = (i) => `Actor ${i + 1}`) =>
  insertActors(Array.from({ length: count }, (_, i) => ({ name: name(i), age: i % 151, gender: i % 2 ? 'Female' : 'Male' })))

describe('GET /actors with Accept: text/csv', () => {
  it('answers every actor as CSV: CRLF, a header of the JSON field names, an attachment named actors.csv', async () => {
    await insertActors([
      { name: 'Ada Lovelace', age: 36, gender: 'Female' },
      { name: 'Lovelace, "Ada"', age: 37, gender: 'Other' },
    ])
    const { response, text } = await exported('/actors')
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8')
    expect(response.headers.get('Content-Disposition')).toBe('attachment; filename="actors.csv"')
    expect(text).toBe(
      actorsCsv([
        { id: 1, name: 'Ada Lovelace', age: 36, gender: 'Female' },
        { id: 2, name: '"Lovelace, ""Ada"""', age: 37, gender: 'Other' },
      ]),
    )
  })

  it('is every row that matches the filters, in the order of sort, across chunks, each once', async () => {
    // Few names, so the walk by (name, id) crosses chunk boundaries inside runs of equal names.
    await numberedActors(2 * EXPORT_CHUNK_ROWS + 500, (i) => `Actor ${i % 7}`)
    const { text } = await exported('/actors?gender=female&sort=-name')
    const [header, ...rows] = parseCsv(text)
    expect(header).toEqual(columnsOf(actorSchema))
    const expected = Array.from({ length: 2 * EXPORT_CHUNK_ROWS + 500 }, (_, i) => ({
      id: i + 1,
      name: `Actor ${i % 7}`,
      odd: i % 2 === 1,
    }))
      .filter((row) => row.odd)
      .sort((a, b) => (a.name === b.name ? b.id - a.id : a.name < b.name ? 1 : -1))
    expect(rows.map(([id, name]) => [Number(id), name])).toEqual(expected.map((row) => [row.id, row.name]))
  })

  it('reads 2,500 rows in 3 statements of 1,000 (a keyset walk), and answers a header alone for none', async () => {
    await numberedActors(2500)
    let text = ''
    const token = await producer()
    const counted = await countedByEndpoint(async () => {
      text = await (await call('/actors?sort=age', { token, headers: CSV })).text()
    })
    expect(counted).toEqual({ requests: 3, statements: 3 })
    const rows = parseCsv(text).slice(1)
    expect(rows).toHaveLength(2500)
    expect(new Set(rows.map(([id]) => id)).size).toBe(2500)
    expect(rows.map(([, , age]) => Number(age))).toEqual([...rows.map(([, , age]) => Number(age))].sort((a, b) => a - b))

    expect((await exported('/actors?q=nobody')).text).toBe(actorsCsv([]))
  })

  it('writes a leading apostrophe before a name that a spreadsheet would run as a formula', async () => {
    const names = ['=HYPERLINK("http://evil.example","click")', '+1', '-2', '@x', "'=x", 'a=b']
    const token = await producer()
    await callJson('/actors', { method: 'POST', token, body: names.map((name) => ({ name, age: 30 })) })
    const { text } = await exported('/actors')
    const written = [`"'=HYPERLINK(""http://evil.example"",""click"")"`, "'+1", "'-2", "'@x", "''=x", 'a=b']
    expect(text).toBe(actorsCsv(written.map((name, i) => ({ id: i + 1, name, age: 30, gender: 'Other' }))))
  })

  it.each([
    ['page=1', 'page must be absent with Accept: text/csv.'],
    ['per_page=10', 'per_page must be absent with Accept: text/csv.'],
    ['after=0', 'after must be absent with Accept: text/csv.'],
    ['include=movies', 'include must be absent with Accept: text/csv.'],
    ['page=abc', 'page must be absent with Accept: text/csv.'],
    ['min_age=abc', 'min_age must be an integer between 0 and 150.'],
  ])('refuses %s with a JSON 400', async (query, message) => {
    const { response, text } = await exported(`/actors?${query}`)
    expect(response.status).toBe(400)
    expect(response.headers.get('Content-Type')).toMatch(/^application\/json/)
    expect(JSON.parse(text)).toEqual({ success: false, error: 400, message })
  })

  it('answers errors as JSON envelopes whatever Accept says: 401, 403, and 503 when the database is down', async () => {
    const noToken = await call('/actors', { headers: CSV })
    expect([noToken.status, noToken.headers.get('Content-Type'), ((await noToken.json()) as { message: string }).message]).toEqual([
      401,
      'application/json',
      'Authorization header is expected.',
    ])
    const forbidden = await call('/actors', { token: await tokenFor(null, { permissions: [] }), headers: CSV })
    expect([forbidden.status, ((await forbidden.json()) as { message: string }).message]).toEqual([403, 'Permission not found.'])
    const token = await producer()
    await setDatabase('down')
    const down = await call('/actors', { token, headers: CSV })
    expect(down.status).toBe(503)
    expect(down.headers.get('Retry-After')).toBe('5')
    expect(await down.json()).toEqual({ success: false, error: 503, message: 'database unavailable.' })
  })

  it('breaks the stream off, never ends it as a whole file, when the database fails after the first chunk', async () => {
    // Twenty chunks: the runtime pipes the answer on as it is read, so the walk must outlast the switch to 'down'.
    await withDb((db) =>
      db.execute(sql`insert into actors (name, age) select 'Actor ' || n, 40 from generate_series(1, ${EXPORT_CHUNK_ROWS * 20}) n`),
    )
    const response = await call('/actors', { token: await producer(), headers: CSV })
    expect(response.status).toBe(200)
    await setDatabase('down')
    await expect(response.text()).rejects.toThrow()
  })

  it('chooses CSV only when Accept prefers it to JSON', async () => {
    await insertActors([{ name: 'Ada', age: 36, gender: 'Female' }])
    const typeFor = async (accept: string) => (await exported('/actors', { Accept: accept })).response.headers.get('Content-Type')
    expect(await typeFor('text/csv;q=0.9, application/json')).toBe('application/json')
    expect(await typeFor('application/json;q=0.5, text/csv')).toBe('text/csv; charset=utf-8')
    expect(await typeFor('*/*')).toBe('application/json')
    expect(await typeFor('text/html,application/xhtml+xml,*/*;q=0.8')).toBe('application/json')
  })
})

describe('GET /movies with Accept: text/csv', () => {
  it('answers the movies matching the filters, by release date, as movies.csv', async () => {
    await insertMovies([
      { title: 'Metropolis', release_date: '1927-01-10' },
      { title: 'Nosferatu', release_date: '1922-03-04' },
      { title: 'Alien', release_date: '1979-05-25' },
    ])
    const { response, text } = await exported('/movies?released_to=1970-01-01&sort=release_date')
    expect(response.headers.get('Content-Disposition')).toBe('attachment; filename="movies.csv"')
    expect(text).toBe(
      csvOf(movieSchema)([
        { id: 2, title: 'Nosferatu', release_date: '1922-03-04' },
        { id: 1, title: 'Metropolis', release_date: '1927-01-10' },
      ]),
    )
  })
})

describe('GET /movies/:id/actors and GET /actors/:id/movies with Accept: text/csv', () => {
  it('answers the cast and the filmography with fees, an empty cell for a null fee', async () => {
    await insertActors([
      { name: 'Ada', age: 36, gender: 'Female' },
      { name: '=Bo', age: 40, gender: 'Male' },
    ])
    await insertMovies([{ title: 'Metropolis', release_date: '1927-01-10' }])
    await withDb((db) =>
      db.insert(castings).values([
        { movie_id: 1, actor_id: 1, fee: 500.5 },
        { movie_id: 1, actor_id: 2, fee: null },
      ]),
    )
    const cast = await exported('/movies/1/actors')
    expect(cast.response.headers.get('Content-Disposition')).toBe('attachment; filename="movie-1-cast.csv"')
    expect(cast.text).toBe(
      csvOf(castMemberSchema)([
        { id: 1, name: 'Ada', age: 36, gender: 'Female', fee: 500.5 },
        { id: 2, name: "'=Bo", age: 40, gender: 'Male', fee: '' },
      ]),
    )
    const filmography = await exported('/actors/2/movies')
    expect(filmography.response.headers.get('Content-Disposition')).toBe('attachment; filename="actor-2-movies.csv"')
    expect(filmography.text).toBe(csvOf(filmographyEntrySchema)([{ id: 1, title: 'Metropolis', release_date: '1927-01-10', fee: '' }]))
  })

  it('answers an unknown movie with its JSON 404', async () => {
    const { response, text } = await exported('/movies/7/actors')
    expect(response.status).toBe(404)
    expect(JSON.parse(text)).toEqual({ success: false, error: 404, message: 'Movie with id 7 not found in database.' })
  })
})

describe('GET /events with Accept: text/csv', () => {
  it('answers every event from after on as events.csv, before and after as JSON text, an empty cell for null', async () => {
    const token = await producer()
    await callJson('/actors', { method: 'POST', token, body: { name: 'Ada', age: 36 } })
    await callJson('/actors/1', { method: 'PATCH', token, body: { age: 37 } })
    await callJson('/movies', { method: 'POST', token, body: { title: '=cmd', release_date: '2020-01-01' } })
    const json = await callJson<{ events: { cursor: string; type: string }[] }>('/events', { token })
    const { response, text } = await exported('/events')
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Disposition')).toBe('attachment; filename="events.csv"')
    const [header, ...rows] = parseCsv(text)
    // One column per resource key an event carries (EVENT_KEYS), between the resource and `before`.
    expect(header).toEqual(['at', 'by', 'request_id', 'action', 'resource', ...EVENT_KEYS, 'before', 'after', 'type', 'cursor'])
    expect(rows.map((row) => row[header!.indexOf('cursor')])).toEqual(json.body.events.map((event) => event.cursor))
    const [created, updated, movie] = rows
    expect([created![header!.indexOf('before')], JSON.parse(created![header!.indexOf('after')]!)]).toEqual([
      '',
      actorRow({ id: 1, name: 'Ada', age: 36, gender: 'Other' }),
    ])
    expect(JSON.parse(updated![header!.indexOf('before')]!)).toMatchObject({ age: 36 })
    // A JSON text starts with `{`, no formula; the type and ids are as the JSON feed has them.
    expect([movie![header!.indexOf('type')], movie![header!.indexOf('movie_id')], movie![header!.indexOf('actor_id')]]).toEqual([
      'movie.created',
      '1',
      '',
    ])
    // `after` is where the export starts; paging is the export's own, so per_page and wait are refused.
    const rest = await exported(`/events?after=${json.body.events[0]!.cursor}`)
    expect(parseCsv(rest.text)).toHaveLength(3)
    for (const param of ['per_page=5', 'wait=1']) {
      const refused = await callJson(`/events?${param}`, { token, headers: CSV })
      expect([refused.status, refused.body.message]).toEqual([400, `${param.split('=')[0]} must be absent with Accept: text/csv.`])
    }
    const bad = await callJson('/events?after=nonsense', { token, headers: CSV })
    expect([bad.status, bad.body.message]).toEqual([400, 'after must be a cursor from next_after.'])
  })
})
