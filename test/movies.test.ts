import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { movies } from '../src/db/schema'
import { callJson, insertMovies, producer, withDb } from './helpers'

const insertNumberedMovies = (count: number) =>
  insertMovies(
    Array.from({ length: count }, (_, i) => ({ title: `Movie ${i + 1}`, release_date: `20${String(10 + i).padStart(2, '0')}-01-15` })),
  )

describe('GET /movies', () => {
  it('answers the first page of 10 in id order, with the total', async () => {
    const rows = await insertNumberedMovies(11)
    const { status, body } = await callJson('/movies', { token: await producer() })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, movies: rows.slice(0, 10), page: 1, per_page: 10, total: 11 })
    expect(rows[0]).toEqual({ id: 1, title: 'Movie 1', release_date: '2010-01-15' })
  })

  it('answers 404 for an empty page', async () => {
    const { status, body } = await callJson('/movies?page=1', { token: await producer() })
    expect(status).toBe(404)
    expect(body).toEqual({ success: false, error: 404, message: 'no movies found in database.' })
  })

  it('answers 400 for page=0', async () => {
    const { status, body } = await callJson('/movies?page=0', { token: await producer() })
    expect(status).toBe(400)
    expect(body.message).toBe('page must be a positive integer.')
  })
})

describe('POST /movies', () => {
  it.each([
    ['2020-02-16', '2020-02-16'],
    ['Sun, 16 Feb 2020 00:00:00 GMT', '2020-02-16'],
    ['2020-02-16T23:30:00-05:00', '2020-02-16'],
    ['2020-02-16T00:00:00Z', '2020-02-16'],
    ['2020-02-16T10:00', '2020-02-16'],
    ['2024-02-29', '2024-02-29'],
  ])('accepts the release date %s as %s', async (input, stored) => {
    const { response, status, body } = await callJson('/movies', {
      method: 'POST',
      token: await producer(),
      body: { title: ' Heat ', release_date: input },
    })
    expect(status).toBe(201)
    expect(body).toEqual({ success: true, created: 1, movie: { id: 1, title: 'Heat', release_date: stored } })
    expect(response.headers.get('Location')).toBe('/movies/1')
  })

  it.each([
    [{ release_date: '2020-02-16' }, 'no title provided.'],
    [{ title: ' ', release_date: '2020-02-16' }, 'no title provided.'],
    [{ title: 'x'.repeat(201), release_date: '2020-02-16' }, 'title must be a string of 1 to 200 characters.'],
    [{ title: 'He\u0000at', release_date: '2020-02-16' }, 'title must not contain a NUL character.'],
    [{ title: 'Heat' }, 'no "release_date" provided.'],
    [{ title: 'Heat', release_date: null }, 'no "release_date" provided.'],
    [{ title: 'Heat', release_date: 'yesterday' }, 'release_date must be a date (YYYY-MM-DD).'],
    [{ title: 'Heat', release_date: '2021-02-29' }, 'release_date must be a date (YYYY-MM-DD).'],
    [{ title: 'Heat', release_date: '2020-13-01' }, 'release_date must be a date (YYYY-MM-DD).'],
    [{ title: 'Heat', release_date: 'Mon, 16 Feb 2020 00:00:00 GMT' }, 'release_date must be a date (YYYY-MM-DD).'],
    [{ title: 'Heat', release_date: 20200216 }, 'release_date must be a date (YYYY-MM-DD).'],
    [{ title: 'Heat', release_date: '2020-02-16', id: 3 }, 'unexpected field: id.'],
  ])('answers 422 for %j and writes nothing', async (input, message) => {
    const { status, body } = await callJson('/movies', { method: 'POST', token: await producer(), body: input })
    expect(status).toBe(422)
    expect(body).toEqual({ success: false, error: 422, message })
    expect(await withDb((db) => db.$count(movies))).toBe(0)
  })
})

describe('PATCH /movies/:id', () => {
  it('updates and answers the movie in a one-element list under "updated"', async () => {
    await insertNumberedMovies(1)
    const { status, body } = await callJson('/movies/1', {
      method: 'PATCH',
      token: await producer(),
      body: { release_date: 'Sun, 16 Feb 2020 00:00:00 GMT' },
    })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, updated: 1, movie: [{ id: 1, title: 'Movie 1', release_date: '2020-02-16' }] })
    const [row] = await withDb((db) => db.select().from(movies).where(eq(movies.id, 1)))
    expect(row?.release_date).toBe('2020-02-16')
  })

  it('answers 422 when the values are already set', async () => {
    await insertNumberedMovies(1)
    const { status, body } = await callJson('/movies/1', {
      method: 'PATCH',
      token: await producer(),
      body: { release_date: '2010-01-15T08:00:00Z' },
    })
    expect(status).toBe(422)
    expect(body.message).toBe('provided field values are already set. No update needed.')
  })

  it('answers 404 for an unknown id', async () => {
    const { status, body } = await callJson('/movies/125', { method: 'PATCH', token: await producer(), body: { title: 'New' } })
    expect(status).toBe(404)
    expect(body).toEqual({ success: false, error: 404, message: 'Movie with id 125 not found in database.' })
  })
})

describe('DELETE /movies/:id', () => {
  it('deletes the movie', async () => {
    await insertNumberedMovies(1)
    const { status, body } = await callJson('/movies/1', { method: 'DELETE', token: await producer() })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, deleted: 1 })
    expect(await withDb((db) => db.$count(movies))).toBe(0)
  })

  it('answers 404 for an unknown id', async () => {
    const { status, body } = await callJson('/movies/9', { method: 'DELETE', token: await producer() })
    expect(status).toBe(404)
    expect(body.message).toBe('Movie with id 9 not found in database.')
  })
})
