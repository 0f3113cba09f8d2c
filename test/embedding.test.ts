import { describe, expect, it } from 'vitest'
import { castings } from '../src/db/schema'
import { actorRow, castMemberRow, filmographyRow, movieRow } from './expected'
import { call, callJson, countedByEndpoint, insertActors, insertMovies, producer, tokenFor, withDb } from './helpers'

// API.md C1: `include` embeds a resource's related list, built by the database in the same statement.

/** Movies 1-3 and actors 1-3; movie 1 casts actors 3 and 1 (in that order of writing), movie 2 casts actor 2. */
async function arrange() {
  await insertMovies([
    { title: 'Fargo', release_date: '1996-03-08' },
    { title: 'Orlando', release_date: '1992-09-01' },
    { title: 'Heat', release_date: '1995-12-15' },
  ])
  await insertActors([
    { name: 'Frances', age: 67, gender: 'Female' },
    { name: 'Tilda', age: 64, gender: 'Female' },
    { name: 'Kai', age: 29 },
  ])
  await withDb((db) =>
    db.insert(castings).values([
      { movie_id: 1, actor_id: 3, fee: 1000.5 },
      { movie_id: 1, actor_id: 1, fee: null },
      { movie_id: 2, actor_id: 2, fee: 20 },
    ]),
  )
}

describe('GET /movies/:id?include=cast', () => {
  it('carries the cast exactly as GET /movies/:id/actors lists it', async () => {
    await arrange()
    const token = await tokenFor('assistant')
    const { status, body } = await callJson<{ movie: Record<string, unknown> }>('/movies/1?include=cast', { token })
    const listed = await callJson<{ cast: unknown[] }>('/movies/1/actors', { token })
    expect(status).toBe(200)
    expect(body.movie).toEqual(movieRow({ id: 1, title: 'Fargo', release_date: '1996-03-08', cast: listed.body.cast }))
    expect(listed.body.cast).toEqual([
      castMemberRow({ id: 1, name: 'Frances', age: 67, gender: 'Female', fee: null }),
      castMemberRow({ id: 3, name: 'Kai', age: 29, gender: 'Other', fee: 1000.5 }),
    ])
  })

  it('carries an empty cast for a movie cast with nobody, and no cast without include', async () => {
    await arrange()
    const token = await tokenFor('assistant')
    expect((await callJson('/movies/3?include=cast', { token })).body.movie).toEqual({
      id: 3,
      title: 'Heat',
      release_date: '1995-12-15',
      cast: [],
    })
    expect((await callJson('/movies/3', { token })).body.movie).toEqual(movieRow({ id: 3, title: 'Heat', release_date: '1995-12-15' }))
  })

  it('answers 404 for an unknown movie', async () => {
    const { status, body } = await callJson('/movies/9?include=cast', { token: await producer() })
    expect(status).toBe(404)
    expect(body.message).toBe('Movie with id 9 not found in database.')
  })

  it('has an ETag that a changed fee and a new casting change, and that If-None-Match matches', async () => {
    await arrange()
    const token = await producer()
    const etagOf = async () => (await call('/movies/1?include=cast', { token })).headers.get('ETag')
    const first = await etagOf()
    expect(first).toMatch(/^"[0-9a-f]{32}"$/)
    expect(first).not.toBe((await call('/movies/1', { token })).headers.get('ETag'))
    const unchanged = await call('/movies/1?include=cast', { token, headers: { 'If-None-Match': first! } })
    expect(unchanged.status).toBe(304)

    expect((await call('/movies/1/actors/1', { method: 'PUT', token, body: { fee: 5 } })).status).toBe(200)
    const afterFee = await etagOf()
    expect(afterFee).not.toBe(first)
    expect((await call('/movies/1?include=cast', { token, headers: { 'If-None-Match': first! } })).status).toBe(200)

    expect((await call('/movies/1/actors/2', { method: 'PUT', token })).status).toBe(201)
    expect(await etagOf()).not.toBe(afterFee)
  })
})

describe('GET /movies?include=cast', () => {
  it('gives each movie its cast, with the same page, filters, sort and total as without it', async () => {
    await arrange()
    const token = await tokenFor('assistant')
    for (const query of ['', '&sort=-title', '&q=a&per_page=1&page=2', '&after=1&per_page=1', '&released_from=1995-01-01']) {
      const plain = await callJson<{ movies: { id: number }[] }>(`/movies?${query.slice(1)}`, { token })
      const embedded = await callJson<{ movies: { id: number; cast: unknown[] }[] }>(`/movies?include=cast${query}`, { token })
      expect(embedded.status).toBe(200)
      const { movies: plainMovies, ...plainPaging } = plain.body
      const { movies: embeddedMovies, ...embeddedPaging } = embedded.body
      expect(embeddedPaging).toEqual(plainPaging)
      expect(embeddedMovies.map(({ cast: _, ...movie }) => movie)).toEqual(plainMovies)
      for (const movie of embeddedMovies) {
        expect(movie.cast).toEqual((await callJson(`/movies/${movie.id}/actors`, { token })).body.cast)
      }
    }
  })

  it('reads a page of 10 movies with 10 cast each in one round trip, and refuses a larger page with include', async () => {
    await insertMovies(Array.from({ length: 100 }, (_, i) => ({ title: `Movie ${i + 1}`, release_date: '2000-01-01' })))
    await insertActors(Array.from({ length: 10 }, (_, i) => ({ name: `Actor ${i + 1}`, age: 30 })))
    await withDb((db) =>
      db
        .insert(castings)
        .values(Array.from({ length: 1000 }, (_, i) => ({ movie_id: (i % 100) + 1, actor_id: Math.floor(i / 100) + 1, fee: i }))),
    )
    const token = await tokenFor('assistant')
    let body: { movies: { cast: { id: number }[] }[] } = { movies: [] }
    const counted = await countedByEndpoint(async () => {
      body = (await callJson<typeof body>('/movies?per_page=10&include=cast', { token })).body
    })
    expect(counted).toEqual({ requests: 1, statements: 1 })
    expect(body.movies).toHaveLength(10)
    for (const movie of body.movies) expect(movie.cast.map((actor) => actor.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    for (const path of ['/movies?per_page=11&include=cast', '/actors?include=movies&per_page=100']) {
      const refused = await callJson(path, { token })
      expect([refused.status, refused.body.message], path).toEqual([400, 'per_page must be at most 10 with include.'])
    }
  })
})

describe('GET /actors?include=movies and GET /actors/:id?include=movies', () => {
  it('carry the movies exactly as GET /actors/:id/movies lists them', async () => {
    await arrange()
    const token = await tokenFor('assistant')
    const one = await callJson<{ actor: { movies: unknown[] } }>('/actors/1?include=movies', { token })
    const listed = await callJson<{ movies: unknown[] }>('/actors/1/movies', { token })
    expect(one.status).toBe(200)
    expect(one.body.actor).toEqual(actorRow({ id: 1, name: 'Frances', age: 67, gender: 'Female', movies: listed.body.movies }))
    expect(listed.body.movies).toEqual([filmographyRow({ id: 1, title: 'Fargo', release_date: '1996-03-08', fee: null })])

    const page = await callJson<{ actors: { id: number; movies: unknown[] }[]; total: number }>('/actors?include=movies&sort=-age', {
      token,
    })
    expect(page.body.total).toBe(3)
    expect(page.body.actors.map((actor) => [actor.id, actor.movies.length])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ])
    expect(page.body.actors[1]?.movies).toEqual([filmographyRow({ id: 2, title: 'Orlando', release_date: '1992-09-01', fee: 20 })])
  })

  it('has an ETag that changes when the actor is cast', async () => {
    await arrange()
    const token = await producer()
    const before = (await call('/actors/2?include=movies', { token })).headers.get('ETag')
    await call('/movies/3/actors/2', { method: 'PUT', token })
    expect((await call('/actors/2?include=movies', { token })).headers.get('ETag')).not.toBe(before)
  })
})

describe('include with any other value', () => {
  it.each([
    ['/movies?include=movies', 'include must be one of: cast.'],
    ['/movies/1?include=actors', 'include must be one of: cast.'],
    ['/movies/1?include=', 'include must be one of: cast.'],
    ['/actors?include=cast', 'include must be one of: movies.'],
    ['/actors/1?include=Movies', 'include must be one of: movies.'],
  ])('%s answers 400', async (path, message) => {
    await arrange()
    const { status, body } = await callJson(path, { token: await tokenFor('assistant') })
    expect(status).toBe(400)
    expect(body).toEqual({ success: false, error: 400, message })
  })

  it('answers 400 before the 404 of an unknown id', async () => {
    const { status } = await callJson('/movies/abc?include=x', { token: await tokenFor('assistant') })
    expect(status).toBe(400)
  })
})
