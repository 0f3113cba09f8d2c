import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { castings } from '../src/db/schema'
import { MAX_CAST, MAX_FILMOGRAPHY, MAX_GENDER, MAX_NAME, MAX_PER_PAGE_WITH_INCLUDE, MAX_TITLE } from '../src/schemas/limits'
import { callJson, producer, tokenFor, withDb } from './helpers'

// API.md D5: every answer is bounded, whatever clients stored within the rules. A movie has
// at most MAX_CAST actors, an actor at most MAX_FILMOGRAPHY movies, and a page with
// `include` at most MAX_PER_PAGE_WITH_INCLUDE rows; each is a rule with its sentence.

/** The characters that cost most on the wire: a control character is `\u0001` in JSON, and `\\u0001` once a row's text is a JSON string. */
const longest = (length: number) => '\u0001'.repeat(length)

/** `count` rows of `table`, every text column at its longest, ids from 1, by one statement. */
const fill = (count: number, table: 'actors' | 'movies') =>
  withDb((db) =>
    db.execute(
      table === 'actors'
        ? sql`insert into actors (name, age, gender) select ${longest(MAX_NAME)}, 150, ${longest(MAX_GENDER)} from generate_series(1, ${count})`
        : sql`insert into movies (title, release_date) select ${longest(MAX_TITLE)}, '2020-01-01' from generate_series(1, ${count})`,
    ),
  )

/** Castings of movies 1..`movies` with actors 1..`actors`, every fee at its longest. */
const castAll = (movies: number, actors: number) =>
  withDb((db) =>
    db.execute(sql`insert into ${castings} (movie_id, actor_id, fee)
      select m, a, 9999999999.99 from generate_series(1, ${movies}) as m, generate_series(1, ${actors}) as a`),
  )

const put = async (path: string, body?: unknown) => callJson(path, { method: 'PUT', token: await producer(), body })

describe('the largest answers the rules allow', () => {
  it(`reads ${MAX_PER_PAGE_WITH_INCLUDE} movies with ${MAX_CAST} actors each, every text at its longest`, async () => {
    await fill(MAX_CAST, 'actors')
    await fill(MAX_PER_PAGE_WITH_INCLUDE, 'movies')
    await castAll(MAX_PER_PAGE_WITH_INCLUDE, MAX_CAST)
    const response = await callJson<{ movies: { cast: unknown[] }[] }>(`/movies?per_page=${MAX_PER_PAGE_WITH_INCLUDE}&include=cast`, {
      token: await tokenFor('assistant'),
    })
    expect(response.status).toBe(200)
    expect(response.body.movies.map((movie) => movie.cast.length)).toEqual(Array(MAX_PER_PAGE_WITH_INCLUDE).fill(MAX_CAST))
    // Its JSON, as the API sends it; the database's answer, the same rows as a JSON string, stays under 10 MiB.
    expect(new TextEncoder().encode(JSON.stringify(response.body)).length).toBeLessThan(6 * 2 ** 20)
  }, 60_000)

  it(`reads ${MAX_PER_PAGE_WITH_INCLUDE} actors cast in ${MAX_FILMOGRAPHY} movies each, every text at its longest`, async () => {
    await fill(MAX_PER_PAGE_WITH_INCLUDE, 'actors')
    await fill(MAX_FILMOGRAPHY, 'movies')
    await castAll(MAX_FILMOGRAPHY, MAX_PER_PAGE_WITH_INCLUDE)
    const response = await callJson<{ actors: { movies: unknown[] }[] }>(`/actors?per_page=${MAX_PER_PAGE_WITH_INCLUDE}&include=movies`, {
      token: await tokenFor('assistant'),
    })
    expect(response.status).toBe(200)
    expect(response.body.actors.map((actor) => actor.movies.length)).toEqual(Array(MAX_PER_PAGE_WITH_INCLUDE).fill(MAX_FILMOGRAPHY))
    expect(new TextEncoder().encode(JSON.stringify(response.body)).length).toBeLessThan(6 * 2 ** 20)
  }, 60_000)
})

describe('castings are bounded on each side', () => {
  it(`refuses a new casting in a movie of ${MAX_CAST} actors, and still updates an existing one's fee`, async () => {
    await fill(MAX_CAST + 1, 'actors')
    await fill(1, 'movies')
    await castAll(1, MAX_CAST)
    const refused = await put(`/movies/1/actors/${MAX_CAST + 1}`, { fee: 1 })
    expect([refused.status, refused.body.message]).toEqual([422, `Movie with id 1 has ${MAX_CAST} actors, the most a movie may have.`])
    expect((await put('/movies/1/actors/1', { fee: 2 })).status).toBe(200)
    expect(await withDb((db) => db.$count(castings))).toBe(MAX_CAST)
  })

  it(`refuses a new casting of an actor in ${MAX_FILMOGRAPHY} movies, by a single PUT and by a cast replacement`, async () => {
    await fill(2, 'actors')
    await fill(MAX_FILMOGRAPHY + 1, 'movies')
    await castAll(MAX_FILMOGRAPHY, 1)
    const message = `Actor with id 1 is cast in ${MAX_FILMOGRAPHY} movies, the most an actor may be.`
    const single = await put(`/movies/${MAX_FILMOGRAPHY + 1}/actors/1`)
    expect([single.status, single.body.message]).toEqual([422, message])
    const replaced = await put(`/movies/${MAX_FILMOGRAPHY + 1}/actors`, { cast: [{ actor_id: 2 }, { actor_id: 1 }] })
    expect([replaced.status, replaced.body.message]).toEqual([422, message])
    expect(await withDb((db) => db.$count(castings))).toBe(MAX_FILMOGRAPHY)
    // A replacement that keeps the actor where it is cast already is no new casting.
    expect((await put('/movies/1/actors', { cast: [{ actor_id: 1, fee: 5 }, { actor_id: 2 }] })).status).toBe(200)
    // Unknown actors still answer their 404 first, as existence comes before business rules.
    const unknown = await put(`/movies/${MAX_FILMOGRAPHY + 1}/actors/99`)
    expect([unknown.status, unknown.body.message]).toEqual([404, 'Actor with id 99 not found in database.'])
  })

  it('restores a deleted movie without the castings whose actor has no room left', async () => {
    await fill(2, 'actors')
    await fill(MAX_FILMOGRAPHY + 1, 'movies')
    await castAll(MAX_FILMOGRAPHY, 2)
    const token = await producer()
    expect((await callJson('/movies/1', { method: 'DELETE', token })).status).toBe(200)
    // Actor 1 takes the room that movie 1 left; actor 2 keeps some.
    expect((await put(`/movies/${MAX_FILMOGRAPHY + 1}/actors/1`)).status).toBe(201)
    const restored = await callJson('/movies/1/restore', { method: 'POST', token })
    expect([restored.status, restored.body.castings_restored]).toEqual([200, 1])
    const counts = await withDb((db) =>
      db.execute<{ actor_id: number; count: number }>(
        sql`select actor_id, count(*)::integer as count from ${castings} group by actor_id order by actor_id`,
      ),
    )
    expect(counts.rows).toEqual([
      { actor_id: 1, count: MAX_FILMOGRAPHY },
      { actor_id: 2, count: MAX_FILMOGRAPHY },
    ])
  })
})
