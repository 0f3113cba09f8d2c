import { inArray, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { actors, movies } from '../src/db/schema'
import { callJson, insertActors, insertMovies, producer, tokenFor, withDb } from './helpers'

// API.md Part B "Listing: filters, sort, page size, cursor", and section 2's
// 400 for an invalid query parameter.

type Actor = { id: number; name: string; age: number; gender: string }
type Movie = { id: number; title: string; release_date: string }
type ActorList = { actors: Actor[]; page?: number; per_page: number; total?: number; next_after?: number | null }
type MovieList = { movies: Movie[]; page?: number; per_page: number; total?: number; next_after?: number | null }

type Params = Record<string, string | number>

/** A query string built with URLSearchParams, so `%`, `_`, `\`, spaces and commas arrive as written. */
const qs = (params: Params) => `?${new URLSearchParams(Object.entries(params).map(([key, value]) => [key, String(value)]))}`

const listActors = async (params: Params = {}) => callJson<ActorList>(`/actors${qs(params)}`, { token: await producer() })
const listMovies = async (params: Params = {}) => callJson<MovieList>(`/movies${qs(params)}`, { token: await producer() })

const ids = (rows: { id: number }[] | undefined) => (rows ?? []).map((row) => row.id)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

type NewActor = typeof actors.$inferInsert
type NewMovie = typeof movies.$inferInsert

async function insertNumberedActors(count: number, gender: (i: number) => string = () => 'Other') {
  return insertActors(Array.from({ length: count }, (_, i) => ({ name: `Actor ${i + 1}`, age: 20 + (i % 50), gender: gender(i) })))
}

async function insertNumberedMovies(count: number) {
  return insertMovies(
    Array.from({ length: count }, (_, i) => ({
      title: `Movie ${i + 1}`,
      release_date: `${2000 + (i % 20)}-01-${String((i % 28) + 1).padStart(2, '0')}`,
    })),
  )
}

/**
 * Rewrites every row, highest id first, so the table's physical order is the
 * reverse of id order: an ORDER BY that forgot its id tie-breaker would then
 * most likely answer ties in the wrong order instead of passing by luck.
 */
async function reversePhysicalOrder(table: 'actors' | 'movies', count: number) {
  await withDb(async (db) => {
    for (let id = count; id >= 1; id--) {
      if (table === 'actors') await db.execute(sql`update actors set name = name where id = ${id}`)
      else await db.execute(sql`update movies set title = title where id = ${id}`)
    }
  })
}

// Ids 1..7. `ann` (any case) is in 1, 2, 4 and 5; gender `female` (any case) is exactly 1, 2 and 4.
const CAST: NewActor[] = [
  { name: 'Ann Lee', age: 30, gender: 'Female' },
  { name: 'Joanna Kim', age: 45, gender: 'female' },
  { name: 'Bob Stone', age: 30, gender: 'Male' },
  { name: 'HANNAH Ito', age: 12, gender: 'FEMALE' },
  { name: 'Leo Ann', age: 150, gender: 'Other' },
  { name: 'Zed', age: 0, gender: 'Non-binary' },
  { name: 'Fe Male', age: 60, gender: 'Females' },
]

describe('GET /actors filters', () => {
  it.each([
    [{ q: 'ann' }, [1, 2, 4, 5]],
    [{ q: 'ANN' }, [1, 2, 4, 5]],
    [{ q: 'aNn L' }, [1]],
    [{ q: 'Zed' }, [6]],
    [{ q: '' }, [1, 2, 3, 4, 5, 6, 7]],
    [{ gender: 'female' }, [1, 2, 4]],
    [{ gender: 'FEMALE' }, [1, 2, 4]],
    [{ gender: 'Females' }, [7]],
    [{ gender: 'non-BINARY' }, [6]],
    [{ min_age: 30 }, [1, 2, 3, 5, 7]],
    [{ max_age: 30 }, [1, 3, 4, 6]],
    [{ min_age: 30, max_age: 30 }, [1, 3]],
    [{ min_age: 0 }, [1, 2, 3, 4, 5, 6, 7]],
    [{ max_age: 150 }, [1, 2, 3, 4, 5, 6, 7]],
    [{ min_age: 150 }, [5]],
    [{ max_age: 0 }, [6]],
    [{ min_age: 13, max_age: 59 }, [1, 2, 3]],
    [{ q: 'ann', gender: 'female' }, [1, 2, 4]],
    [{ q: 'ann', min_age: 20 }, [1, 2, 5]],
    [{ q: 'ann', gender: 'female', min_age: 20 }, [1, 2]],
    [{ q: 'ann', gender: 'female', min_age: 20, max_age: 40 }, [1]],
    [{ gender: 'female', max_age: 30 }, [1, 4]],
  ])('%j answers exactly the matching actors, with their total', async (params, expected) => {
    const rows = await insertActors(CAST)
    const { status, body } = await listActors(params)
    expect(status).toBe(200)
    expect(body).toEqual({
      success: true,
      actors: rows.filter((row) => expected.includes(row.id)),
      page: 1,
      per_page: 10,
      total: expected.length,
    })
  })

  it.each<Params>([
    { gender: 'fem' },
    { gender: 'emale' },
    { gender: 'F%' },
    { gender: 'femal_' },
    { q: 'nobody' },
    { min_age: 150, q: 'Zed' },
    { min_age: 61, max_age: 149 },
    { min_age: 40, max_age: 20 },
  ])('%j matches nothing and answers 404', async (params) => {
    await insertActors(CAST)
    const { status, body } = await listActors(params)
    expect(status).toBe(404)
    expect(body).toEqual({ success: false, error: 404, message: 'no actors found in database.' })
  })

  it('counts every matching actor in total, not only the page', async () => {
    await insertActors(CAST)
    const { status, body } = await listActors({ q: 'ann', per_page: 3, page: 2 })
    expect(status).toBe(200)
    expect(ids(body.actors)).toEqual([5])
    expect(body.total).toBe(4)
    expect(body.page).toBe(2)
    expect(body.per_page).toBe(3)
  })

  it('counts the matching actors across many pages', async () => {
    await insertNumberedActors(35, (i) => (i % 3 === 0 ? 'Female' : 'Male'))
    const { body } = await listActors({ gender: 'female', per_page: 5 })
    expect(body.total).toBe(12)
    expect(ids(body.actors)).toEqual([1, 4, 7, 10, 13])
  })

  it('treats the LIKE wildcards % and _ in q literally, case-insensitively', async () => {
    await insertActors([
      { name: '100% Real', age: 30 },
      { name: '100 Real', age: 30 },
      { name: '1000 Real', age: 30 },
      { name: 'A_B Co', age: 30 },
      { name: 'AxB Co', age: 30 },
      { name: 'a_b lower', age: 30 },
      { name: 'Back\\slash', age: 30 },
      { name: 'Backslash', age: 30 },
    ])
    const cases: [string, number[]][] = [
      ['%', [1]],
      ['0%', [1]],
      ['100%', [1]],
      ['0% r', [1]],
      ['_', [4, 6]],
      ['a_b', [4, 6]],
      ['A_B', [4, 6]],
      ['A_B C', [4]],
      ['\\', [7]],
      ['k\\S', [7]],
    ]
    for (const [q, expected] of cases) {
      const { status, body } = await listActors({ q })
      expect({ q, status, ids: ids(body.actors), total: body.total }).toEqual({ q, status: 200, ids: expected, total: expected.length })
    }
    for (const q of ['%%', '1_0', '_x_', '\\\\', '\\%']) {
      const { status, body } = await listActors({ q })
      expect({ q, status, message: body.message }).toEqual({ q, status: 404, message: 'no actors found in database.' })
    }
  })

  it('matches q and gender case-insensitively beyond ASCII', async () => {
    await insertActors([
      { name: 'Émile Zola', age: 30, gender: 'Male' },
      { name: 'Bob', age: 30, gender: 'ÉLAN' },
      { name: 'Emile Berliner', age: 30, gender: 'Elan' },
    ])
    const byName = await listActors({ q: 'émile' })
    expect(ids(byName.body.actors)).toEqual([1])
    const byGender = await listActors({ gender: 'élan' })
    expect(ids(byGender.body.actors)).toEqual([2])
  })

  it('accepts q of 100 characters and gender of 30', async () => {
    await insertActors([
      { name: 'x'.repeat(100), age: 1, gender: 'y'.repeat(30) },
      { name: 'x'.repeat(99), age: 1 },
    ])
    const { status, body } = await listActors({ q: 'X'.repeat(100), gender: 'Y'.repeat(30) })
    expect(status).toBe(200)
    expect(ids(body.actors)).toEqual([1])
  })
})

// Ids 1..6. `matrix` (any case) is in 1, 2 and 4.
const FILMS: NewMovie[] = [
  { title: 'The Matrix', release_date: '1999-03-31' },
  { title: 'Matrix Reloaded', release_date: '2003-05-15' },
  { title: 'Heat', release_date: '1995-12-15' },
  { title: 'THE MATRIX RESURRECTIONS', release_date: '2021-12-22' },
  { title: 'Parasite', release_date: '2019-05-30' },
  { title: '1917', release_date: '2019-12-25' },
]

describe('GET /movies filters', () => {
  it.each([
    [{ q: 'matrix' }, [1, 2, 4]],
    [{ q: 'MaTrIx' }, [1, 2, 4]],
    [{ q: 'the ' }, [1, 4]],
    [{ q: '19' }, [6]],
    [{ released_from: '2019-05-30' }, [4, 5, 6]],
    [{ released_from: '2019-05-31' }, [4, 6]],
    [{ released_to: '2019-05-30' }, [1, 2, 3, 5]],
    [{ released_to: '2019-05-29' }, [1, 2, 3]],
    [{ released_from: '2003-05-15', released_to: '2019-12-25' }, [2, 5, 6]],
    [{ released_from: '2019-05-30', released_to: '2019-05-30' }, [5]],
    [{ released_from: '1995-12-15', released_to: '2021-12-22' }, [1, 2, 3, 4, 5, 6]],
    [{ q: 'matrix', released_from: '2000-01-01' }, [2, 4]],
    [{ q: 'matrix', released_to: '2003-05-15' }, [1, 2]],
    [{ q: 'matrix', released_from: '1999-03-31', released_to: '2003-05-15' }, [1, 2]],
    // An HTTP-date, as the original emitted, and an ISO date-time: their date part, inclusive.
    [{ released_from: 'Thu, 30 May 2019 00:00:00 GMT' }, [4, 5, 6]],
    [{ released_to: 'Wed, 25 Dec 2019 00:00:00 GMT' }, [1, 2, 3, 5, 6]],
    [{ released_from: 'Thu, 15 May 2003 23:59:59 GMT', released_to: 'Thu, 30 May 2019 00:00:00 GMT' }, [2, 5]],
    [{ released_to: '2019-05-30T23:30:00-05:00' }, [1, 2, 3, 5]],
    [{ released_from: '2019-12-25T00:00:00Z' }, [4, 6]],
  ])('%j answers exactly the matching movies, with their total', async (params, expected) => {
    const rows = await insertMovies(FILMS)
    const { status, body } = await listMovies(params)
    expect(status).toBe(200)
    expect(body).toEqual({
      success: true,
      movies: rows.filter((row) => expected.includes(row.id)),
      page: 1,
      per_page: 10,
      total: expected.length,
    })
  })

  it.each<Params>([
    { q: 'matrixx' },
    { released_from: '2021-12-23' },
    { released_to: '1995-12-14' },
    { released_from: '2020-01-01', released_to: '2019-01-01' },
    { q: 'heat', released_from: '1995-12-16' },
  ])('%j matches nothing and answers 404', async (params) => {
    await insertMovies(FILMS)
    const { status, body } = await listMovies(params)
    expect(status).toBe(404)
    expect(body).toEqual({ success: false, error: 404, message: 'no movies found in database.' })
  })

  it('counts every matching movie in total, not only the page', async () => {
    await insertMovies(FILMS)
    const { status, body } = await listMovies({ released_from: '1999-01-01', per_page: 2, page: 2 })
    expect(status).toBe(200)
    expect(ids(body.movies)).toEqual([4, 5])
    expect(body.total).toBe(5)
  })

  it('treats the LIKE wildcards % and _ in q literally, case-insensitively', async () => {
    await insertMovies([
      { title: '100% Love', release_date: '2001-01-01' },
      { title: '100 Love', release_date: '2001-01-01' },
      { title: 'Under_Score', release_date: '2001-01-01' },
      { title: 'UnderXScore', release_date: '2001-01-01' },
      { title: 'under_score again', release_date: '2001-01-01' },
    ])
    const cases: [string, number[]][] = [
      ['%', [1]],
      ['0% l', [1]],
      ['_', [3, 5]],
      ['R_S', [3, 5]],
      ['r_s', [3, 5]],
    ]
    for (const [q, expected] of cases) {
      const { status, body } = await listMovies({ q })
      expect({ q, status, ids: ids(body.movies), total: body.total }).toEqual({ q, status: 200, ids: expected, total: expected.length })
    }
    const { status } = await listMovies({ q: 'r%s' })
    expect(status).toBe(404)
  })

  it('accepts q of 200 characters', async () => {
    await insertMovies([{ title: 't'.repeat(200), release_date: '2001-01-01' }])
    const { status, body } = await listMovies({ q: 'T'.repeat(200) })
    expect(status).toBe(200)
    expect(ids(body.movies)).toEqual([1])
  })
})

// Ids 1..6, with ties in both name and age.
const SORTABLE_ACTORS: NewActor[] = [
  { name: 'Carol', age: 40 },
  { name: 'Alice', age: 25 },
  { name: 'Bob', age: 40 },
  { name: 'Alice', age: 60 },
  { name: 'Dave', age: 25 },
  { name: 'Bob', age: 18 },
]

describe('GET /actors sort', () => {
  it.each([
    ['id', [1, 2, 3, 4, 5, 6]],
    ['-id', [6, 5, 4, 3, 2, 1]],
    ['name', [2, 4, 3, 6, 1, 5]],
    ['-name', [5, 1, 6, 3, 4, 2]],
    ['age', [6, 2, 5, 1, 3, 4]],
    ['-age', [4, 3, 1, 5, 2, 6]],
  ])('sort=%s orders by the field, ties by id in the same direction', async (sort, expected) => {
    await insertActors(SORTABLE_ACTORS)
    await reversePhysicalOrder('actors', SORTABLE_ACTORS.length)
    const { status, body } = await listActors({ sort })
    expect(status).toBe(200)
    expect(ids(body.actors)).toEqual(expected)
    expect(body.total).toBe(6)
  })

  it('orders without sort by id ascending', async () => {
    await insertActors(SORTABLE_ACTORS)
    await reversePhysicalOrder('actors', SORTABLE_ACTORS.length)
    const { body } = await listActors()
    expect(ids(body.actors)).toEqual([1, 2, 3, 4, 5, 6])
  })

  it.each([
    ['name', 2, [3, 6]],
    ['-name', 3, [4, 2]],
    ['age', 2, [5, 1]],
    ['-age', 2, [1, 5]],
    ['-id', 3, [2, 1]],
  ])('sort=%s pages through the sorted rows (page %i of 2 per page)', async (sort, page, expected) => {
    await insertActors(SORTABLE_ACTORS)
    await reversePhysicalOrder('actors', SORTABLE_ACTORS.length)
    const { status, body } = await listActors({ sort, per_page: 2, page })
    expect(status).toBe(200)
    expect(ids(body.actors)).toEqual(expected)
    expect(body).toMatchObject({ page, per_page: 2, total: 6 })
  })

  it('sorts only the filtered rows', async () => {
    await insertActors(SORTABLE_ACTORS)
    await reversePhysicalOrder('actors', SORTABLE_ACTORS.length)
    const { body } = await listActors({ sort: '-name', min_age: 25, max_age: 40 })
    expect(ids(body.actors)).toEqual([5, 1, 3, 2])
    expect(body.total).toBe(4)
  })
})

// Ids 1..6, with ties in both title and release_date.
const SORTABLE_MOVIES: NewMovie[] = [
  { title: 'Heat', release_date: '1995-12-15' },
  { title: 'Alien', release_date: '1979-05-25' },
  { title: 'Heat', release_date: '2020-01-01' },
  { title: 'Casino', release_date: '1995-12-15' },
  { title: 'Brazil', release_date: '1985-02-20' },
  { title: 'Alien', release_date: '1995-12-15' },
]

describe('GET /movies sort', () => {
  it.each([
    ['id', [1, 2, 3, 4, 5, 6]],
    ['-id', [6, 5, 4, 3, 2, 1]],
    ['title', [2, 6, 5, 4, 1, 3]],
    ['-title', [3, 1, 4, 5, 6, 2]],
    ['release_date', [2, 5, 1, 4, 6, 3]],
    ['-release_date', [3, 6, 4, 1, 5, 2]],
  ])('sort=%s orders by the field, ties by id in the same direction', async (sort, expected) => {
    await insertMovies(SORTABLE_MOVIES)
    await reversePhysicalOrder('movies', SORTABLE_MOVIES.length)
    const { status, body } = await listMovies({ sort })
    expect(status).toBe(200)
    expect(ids(body.movies)).toEqual(expected)
    expect(body.total).toBe(6)
  })

  it('sorts dates as dates, across years', async () => {
    await insertMovies([
      { title: 'B', release_date: '2010-01-02' },
      { title: 'C', release_date: '0999-12-31' },
      { title: 'A', release_date: '2009-12-31' },
    ])
    const { body } = await listMovies({ sort: 'release_date' })
    expect(body.movies?.map((movie) => movie.release_date)).toEqual(['0999-12-31', '2009-12-31', '2010-01-02'])
  })

  it.each([
    ['title', 2, [5, 4]],
    ['-release_date', 2, [4, 1]],
    ['release_date', 3, [6, 3]],
  ])('sort=%s pages through the sorted rows (page %i of 2 per page)', async (sort, page, expected) => {
    await insertMovies(SORTABLE_MOVIES)
    await reversePhysicalOrder('movies', SORTABLE_MOVIES.length)
    const { body } = await listMovies({ sort, per_page: 2, page })
    expect(ids(body.movies)).toEqual(expected)
    expect(body).toMatchObject({ page, per_page: 2, total: 6 })
  })

  it('sorts only the filtered rows', async () => {
    await insertMovies(SORTABLE_MOVIES)
    await reversePhysicalOrder('movies', SORTABLE_MOVIES.length)
    const { body } = await listMovies({ sort: '-title', released_from: '1995-12-15' })
    expect(ids(body.movies)).toEqual([3, 1, 4, 6])
    expect(body.total).toBe(4)
  })
})

describe('per_page', () => {
  it('per_page=1 answers one actor a page', async () => {
    const rows = await insertNumberedActors(3)
    for (const page of [1, 2, 3]) {
      const { status, body } = await listActors({ per_page: 1, page })
      expect(status).toBe(200)
      expect(body).toEqual({ success: true, actors: [rows[page - 1]], page, per_page: 1, total: 3 })
    }
    expect((await listActors({ per_page: 1, page: 4 })).status).toBe(404)
  })

  it('per_page=100 answers 100 actors, the rest on page 2', async () => {
    await insertNumberedActors(101)
    const first = await listActors({ per_page: 100 })
    expect(first.status).toBe(200)
    expect(ids(first.body.actors)).toEqual(range(1, 100))
    expect(first.body).toMatchObject({ page: 1, per_page: 100, total: 101 })
    const second = await listActors({ per_page: 100, page: 2 })
    expect(ids(second.body.actors)).toEqual([101])
  })

  it('defaults to 10', async () => {
    await insertNumberedActors(11)
    const { body } = await listActors()
    expect(ids(body.actors)).toEqual(range(1, 10))
    expect(body.per_page).toBe(10)
  })

  it('per_page=1 and per_page=100 for movies', async () => {
    await insertNumberedMovies(101)
    const one = await listMovies({ per_page: 1, page: 7 })
    expect(ids(one.body.movies)).toEqual([7])
    expect(one.body).toMatchObject({ page: 7, per_page: 1, total: 101 })
    const hundred = await listMovies({ per_page: 100 })
    expect(ids(hundred.body.movies)).toEqual(range(1, 100))
    expect(hundred.body.per_page).toBe(100)
  })

  it('answers 404, not an error, for a page far past the end', async () => {
    await insertNumberedActors(3)
    const { status, body } = await listActors({ per_page: 100, page: 2147483647 })
    expect(status).toBe(404)
    expect(body.message).toBe('no actors found in database.')
  })
})

const ACTOR_SORT_RULE = 'sort must be one of id, name, age, each optionally prefixed with -.'
const MOVIE_SORT_RULE = 'sort must be one of id, title, release_date, each optionally prefixed with -.'
const PER_PAGE_RULE = 'per_page must be an integer between 1 and 100.'
const AFTER_RULE = 'after must be an integer from 0 to 2147483647.'

const sharedInvalid = (sortRule: string): [Record<string, string>, string][] => [
  [{ per_page: '0' }, PER_PAGE_RULE],
  [{ per_page: '101' }, PER_PAGE_RULE],
  [{ per_page: 'abc' }, PER_PAGE_RULE],
  [{ per_page: '-1' }, PER_PAGE_RULE],
  [{ per_page: '1.5' }, PER_PAGE_RULE],
  [{ per_page: '1e1' }, PER_PAGE_RULE],
  [{ per_page: '' }, PER_PAGE_RULE],
  [{ per_page: '99999' }, PER_PAGE_RULE],
  [{ page: '0' }, 'page must be a positive integer.'],
  [{ page: 'abc' }, 'page must be a positive integer.'],
  [{ after: '-1' }, AFTER_RULE],
  [{ after: 'abc' }, AFTER_RULE],
  [{ after: '1.5' }, AFTER_RULE],
  [{ after: '' }, AFTER_RULE],
  [{ after: '2147483648' }, AFTER_RULE],
  [{ after: '99999999999' }, AFTER_RULE],
  [{ sort: 'foo' }, sortRule],
  [{ sort: '' }, sortRule],
  [{ sort: '--id' }, sortRule],
  [{ sort: 'ID' }, sortRule],
  [{ sort: 'id,-id' }, sortRule],
  [{ sort: '+id' }, sortRule],
  [{ after: '5', page: '1' }, 'page must be absent when after is given.'],
  [{ after: '5', page: '2' }, 'page must be absent when after is given.'],
  [{ after: '5', sort: '-id' }, 'sort must be id when after is given.'],
]

describe('GET /actors invalid query parameters', () => {
  it.each<[Record<string, string>, string]>([
    ...sharedInvalid(ACTOR_SORT_RULE),
    [{ sort: 'gender' }, ACTOR_SORT_RULE],
    [{ sort: 'title' }, ACTOR_SORT_RULE],
    [{ sort: '-Name' }, ACTOR_SORT_RULE],
    [{ after: '5', sort: 'name' }, 'sort must be id when after is given.'],
    [{ after: '5', sort: '-age' }, 'sort must be id when after is given.'],
    [{ min_age: '-1' }, 'min_age must be an integer between 0 and 150.'],
    [{ min_age: '151' }, 'min_age must be an integer between 0 and 150.'],
    [{ min_age: 'abc' }, 'min_age must be an integer between 0 and 150.'],
    [{ min_age: '1.5' }, 'min_age must be an integer between 0 and 150.'],
    [{ min_age: '' }, 'min_age must be an integer between 0 and 150.'],
    [{ max_age: '-1' }, 'max_age must be an integer between 0 and 150.'],
    [{ max_age: '151' }, 'max_age must be an integer between 0 and 150.'],
    [{ max_age: 'old' }, 'max_age must be an integer between 0 and 150.'],
    [{ q: 'x'.repeat(101) }, 'q must be a string of at most 100 characters.'],
    [{ gender: 'x'.repeat(31) }, 'gender must be a string of at most 30 characters.'],
  ])('%j answers 400 naming the parameter', async (params, message) => {
    await insertNumberedActors(12)
    const { status, body } = await listActors(params)
    expect(status).toBe(400)
    expect(body).toEqual({ success: false, error: 400, message })
  })
})

describe('GET /movies invalid query parameters', () => {
  it.each<[Record<string, string>, string]>([
    ...sharedInvalid(MOVIE_SORT_RULE),
    [{ sort: 'name' }, MOVIE_SORT_RULE],
    [{ sort: 'age' }, MOVIE_SORT_RULE],
    [{ sort: 'releasedate' }, MOVIE_SORT_RULE],
    [{ after: '5', sort: 'title' }, 'sort must be id when after is given.'],
    [{ after: '5', sort: '-release_date' }, 'sort must be id when after is given.'],
    [{ released_from: 'abc' }, 'released_from must be a date (YYYY-MM-DD).'],
    [{ released_from: '2020-02-30' }, 'released_from must be a date (YYYY-MM-DD).'],
    [{ released_from: '2020-2-1' }, 'released_from must be a date (YYYY-MM-DD).'],
    [{ released_from: '' }, 'released_from must be a date (YYYY-MM-DD).'],
    [{ released_from: 'Mon, 16 Feb 2020 00:00:00 GMT' }, 'released_from must be a date (YYYY-MM-DD).'],
    [{ released_to: '2019-13-01' }, 'released_to must be a date (YYYY-MM-DD).'],
    [{ released_to: 'yesterday' }, 'released_to must be a date (YYYY-MM-DD).'],
    [{ released_to: '20190530' }, 'released_to must be a date (YYYY-MM-DD).'],
    [{ q: 'x'.repeat(201) }, 'q must be a string of at most 200 characters.'],
  ])('%j answers 400 naming the parameter', async (params, message) => {
    await insertNumberedMovies(12)
    const { status, body } = await listMovies(params)
    expect(status).toBe(400)
    expect(body).toEqual({ success: false, error: 400, message })
  })
})

describe('query parameters and the order of checks', () => {
  it('ignores unknown query parameters', async () => {
    const rows = await insertNumberedActors(12)
    const plain = await listActors()
    const { status, body } = await listActors({ foo: 'bar', limit: 1, offset: 5, order: 'name', PER_PAGE: 1, Sort: 'zzz', cursor: 'x' })
    expect(status).toBe(200)
    expect(body).toEqual(plain.body)
    expect(body).toEqual({ success: true, actors: rows.slice(0, 10), page: 1, per_page: 10, total: 12 })
  })

  it('ignores unknown query parameters on movies, next to known ones', async () => {
    await insertMovies(FILMS)
    const { status, body } = await listMovies({ q: 'matrix', genre: 'action', min_age: 'abc', gender: 'x'.repeat(50) })
    expect(status).toBe(200)
    expect(ids(body.movies)).toEqual([1, 2, 4])
    expect(body.total).toBe(3)
  })

  it('ignores actor-only parameters on movies and movie-only parameters on actors', async () => {
    await insertActors(CAST)
    const { status, body } = await listActors({ released_from: 'not a date', title: 'x' })
    expect(status).toBe(200)
    expect(body.total).toBe(7)
  })

  it.each([
    ['/actors?per_page=2&per_page=3', 'per_page must be an integer between 1 and 100.'],
    ['/actors?after=1&after=2', AFTER_RULE],
    ['/actors?sort=name&sort=age', ACTOR_SORT_RULE],
    ['/movies?released_from=2001-01-01&released_from=2002-01-01', 'released_from must be a date (YYYY-MM-DD).'],
  ])('answers 400 naming the parameter when it is repeated: %s', async (path, message) => {
    await insertNumberedActors(3)
    await insertNumberedMovies(3)
    const { status, body } = await callJson(path, { token: await producer() })
    expect(status).toBe(400)
    expect(body).toEqual({ success: false, error: 400, message })
  })

  it('reads percent-encoded dates: an HTTP-date with %20 and a date-time with an encoded +', async () => {
    await insertMovies(FILMS)
    const token = await producer()
    const http = await callJson<MovieList>('/movies?released_from=Thu,%2030%20May%202019%2000:00:00%20GMT', { token })
    expect(ids(http.body.movies)).toEqual([4, 5, 6])
    const offset = await callJson<MovieList>('/movies?released_to=2019-05-30T10:00:00%2B01:00', { token })
    expect(ids(offset.body.movies)).toEqual([1, 2, 3, 5])
  })

  // Postgres text cannot hold NUL: the parameter is invalid, not a 500.
  it.each([
    ['/actors?q=%00', 'q'],
    ['/actors?q=ann%00', 'q'],
    ['/actors?gender=%00', 'gender'],
    ['/movies?q=%00', 'q'],
  ])('answers 400 for %s', async (path, param) => {
    await insertActors(CAST)
    await insertMovies(FILMS)
    const { status, body } = await callJson(path, { token: await producer() })
    expect(status).toBe(400)
    expect(body).toEqual({ success: false, error: 400, message: `${param} must not contain a NUL character.` })
  })

  it('authenticates before it reads the query string', async () => {
    const { status, body } = await callJson('/actors?per_page=0&sort=foo')
    expect(status).toBe(401)
    expect(body.message).toBe('Authorization header is expected.')
  })

  it('checks the permission before it reads the query string', async () => {
    const token = await tokenFor(null, { permissions: ['read:actors'] })
    const { status, body } = await callJson('/movies?per_page=0', { token })
    expect(status).toBe(403)
    expect(body.message).toBe('Permission not found.')
  })

  it('lets a casting assistant use every listing parameter', async () => {
    await insertActors(CAST)
    const token = await tokenFor('assistant')
    const { status, body } = await callJson<ActorList>(
      `/actors${qs({ q: 'ann', gender: 'female', min_age: 1, sort: '-age', per_page: 2 })}`,
      {
        token,
      },
    )
    expect(status).toBe(200)
    expect(ids(body.actors)).toEqual([2, 1])
    expect(body.total).toBe(3)
  })

  it('answers 400 for an invalid parameter even when the table is empty', async () => {
    const { status, body } = await listMovies({ released_to: 'never' })
    expect(status).toBe(400)
    expect(body.message).toBe('released_to must be a date (YYYY-MM-DD).')
  })
})

/** Walks a list with the cursor alone: from `after=0` until `next_after` is null; no page carries `total`. */
async function walk<Row extends { id: number }>(
  list: (params: Params) => Promise<{ status: number; body: Record<string, unknown> }>,
  key: 'actors' | 'movies',
  params: Params,
) {
  const seen: number[] = []
  let cursor: number | null = 0
  for (let requests = 0; cursor !== null; requests++) {
    expect(requests).toBeLessThan(100) // a cursor that never ends fails instead of hanging
    const { status, body } = await list({ ...params, after: cursor })
    expect(status).toBe(200)
    expect(body).not.toHaveProperty('page')
    expect(body).not.toHaveProperty('total')
    const rows = body[key] as Row[]
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.length).toBeLessThanOrEqual(Number(params.per_page ?? 10))
    seen.push(...ids(rows))
    const next = body.next_after as number | null
    if (next !== null) expect(next).toBe(rows.at(-1)!.id)
    cursor = next
  }
  return seen
}

describe('cursor (after)', () => {
  it('walks 53 actors: every row once, in id order, without a total', async () => {
    await insertNumberedActors(53)
    expect(await walk<Actor>(listActors, 'actors', { per_page: 10 })).toEqual(range(1, 53))
  })

  it('walks with a filter: exactly the matching actors, in id order', async () => {
    const genders = ['Female', 'male', 'FEMALE', 'Other', 'female', 'Male']
    const rows = await insertNumberedActors(53, (i) => genders[i % genders.length]!)
    const expected = rows.filter((row) => row.gender.toLowerCase() === 'female').map((row) => row.id)
    expect(expected).toHaveLength(27)
    expect(await walk<Actor>(listActors, 'actors', { per_page: 7, gender: 'female' })).toEqual(expected)
  })

  it('walks with q and an age range', async () => {
    const rows = await insertNumberedActors(53)
    // Names `Actor 1`..`Actor 53`; `r 2` is in Actor 2 and Actor 20..29; ages are 20 + i.
    const expected = rows.filter((row) => row.name.includes('r 2') && row.age >= 21 && row.age <= 45).map((row) => row.id)
    expect(expected).toEqual([2, 20, 21, 22, 23, 24, 25, 26])
    expect(await walk<Actor>(listActors, 'actors', { per_page: 3, q: 'R 2', min_age: 21, max_age: 45 })).toEqual(expected)
  })

  it('walks 53 movies, and with a date filter exactly the matching ones', async () => {
    const rows = await insertNumberedMovies(53)
    expect(await walk<Movie>(listMovies, 'movies', { per_page: 10 })).toEqual(range(1, 53))

    const expected = rows.filter((row) => row.release_date >= '2005-01-01' && row.release_date <= '2012-12-31').map((row) => row.id)
    expect(expected.length).toBeGreaterThan(10)
    const filtered = await walk<Movie>(listMovies, 'movies', { per_page: 4, released_from: '2005-01-01', released_to: '2012-12-31' })
    expect(filtered).toEqual(expected)
  })

  it('answers the rows after the cursor deep in the table, without a page key', async () => {
    const rows = await insertNumberedActors(53)
    const { status, body } = await listActors({ after: 40 })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, actors: rows.slice(40, 50), per_page: 10, next_after: 50 })
    expect(ids(body.actors)).toEqual(range(41, 50))
  })

  it('answers the rows after the cursor for movies, with sort=id allowed', async () => {
    const rows = await insertNumberedMovies(53)
    const { status, body } = await listMovies({ after: 40, sort: 'id', per_page: 5 })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, movies: rows.slice(40, 45), per_page: 5, next_after: 45 })
  })

  it('answers next_after null on the last page, also when it is exactly full', async () => {
    await insertNumberedActors(20)
    const full = await listActors({ after: 10 })
    expect(ids(full.body.actors)).toEqual(range(11, 20))
    expect(full.body.next_after).toBeNull()
    expect(full.body).toHaveProperty('next_after', null)

    const partial = await listActors({ after: 15 })
    expect(ids(partial.body.actors)).toEqual(range(16, 20))
    expect(partial.body.next_after).toBeNull()

    const notLast = await listActors({ after: 9 })
    expect(ids(notLast.body.actors)).toEqual(range(10, 19))
    expect(notLast.body.next_after).toBe(19)
  })

  it('answers 404 after the last id and past it', async () => {
    await insertNumberedActors(5)
    for (const after of [5, 6, 2147483647]) {
      const { status, body } = await listActors({ after })
      expect({ after, status, body }).toEqual({
        after,
        status: 404,
        body: { success: false, error: 404, message: 'no actors found in database.' },
      })
    }
    await insertNumberedMovies(5)
    const { status, body } = await listMovies({ after: 5 })
    expect(status).toBe(404)
    expect(body.message).toBe('no movies found in database.')
  })

  it('carries no total with after, filtered or not; the plain first page of the walk counts every match', async () => {
    await insertNumberedActors(30, (i) => (i % 2 ? 'Female' : 'Male'))
    const { body } = await listActors({ after: 25 })
    expect(body).toEqual({ success: true, actors: expect.any(Array), per_page: 10, next_after: null })
    expect(ids(body.actors)).toEqual(range(26, 30))

    const filtered = await listActors({ after: 25, gender: 'female' })
    expect(filtered.body).toEqual({ success: true, actors: expect.any(Array), per_page: 10, next_after: null })
    expect(ids(filtered.body.actors)).toEqual([26, 28, 30])

    const first = await listActors({ gender: 'female' })
    expect(first.body).toMatchObject({ page: 1, per_page: 10, total: 15 })
    const started = await listActors({ after: 0, gender: 'female' })
    expect(started.body).toEqual({ success: true, actors: first.body.actors, per_page: 10, next_after: first.body.actors.at(-1)!.id })
  })

  it('carries no total with after on movies either', async () => {
    await insertNumberedMovies(12)
    const { body } = await listMovies({ after: 0, per_page: 5, released_from: '1900-01-01' })
    expect(body).toEqual({ success: true, movies: expect.any(Array), per_page: 5, next_after: 5 })
    const plain = await listMovies({ per_page: 5, released_from: '1900-01-01' })
    expect(plain.body).toMatchObject({ page: 1, per_page: 5, total: 12 })
  })

  it('is an id, not an offset: gaps are skipped and a deleted id still works as a cursor', async () => {
    await insertNumberedActors(15)
    await withDb((db) => db.delete(actors).where(inArray(actors.id, [6, 7, 12])))
    const fromGap = await listActors({ after: 5, per_page: 3 })
    expect(ids(fromGap.body.actors)).toEqual([8, 9, 10])
    expect(fromGap.body.next_after).toBe(10)

    const fromDeleted = await listActors({ after: 6, per_page: 3 })
    expect(ids(fromDeleted.body.actors)).toEqual([8, 9, 10])

    const next = await listActors({ after: 10, per_page: 3 })
    expect(ids(next.body.actors)).toEqual([11, 13, 14])
    expect(next.body.next_after).toBe(14)
  })

  it('keeps its place when earlier rows are deleted between pages', async () => {
    await insertNumberedMovies(30)
    const first = await listMovies({ per_page: 10, sort: 'id' })
    const cursor = first.body.movies!.at(-1)!.id
    expect(cursor).toBe(10)
    await withDb((db) => db.delete(movies).where(inArray(movies.id, [1, 2, 3])))
    const { body } = await listMovies({ after: cursor })
    expect(ids(body.movies)).toEqual(range(11, 20))
    expect(body.next_after).toBe(20)
  })

  it('answers per_page rows after the cursor, with per_page in the body', async () => {
    await insertNumberedActors(12)
    const { body } = await listActors({ after: 5, per_page: 3 })
    expect(body).toEqual({ success: true, actors: expect.any(Array), per_page: 3, next_after: 8 })
    expect(ids(body.actors)).toEqual([6, 7, 8])
    const one = await listActors({ after: 11, per_page: 1 })
    expect(ids(one.body.actors)).toEqual([12])
    expect(one.body.next_after).toBeNull()
  })
})
