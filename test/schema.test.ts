import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import type { Database } from '../src/db/client'
import { actors, castings, movies } from '../src/db/schema'
import { storedActor } from './expected'
import { withDb } from './helpers'

// The database enforces API.md section 1 by itself, whoever writes to it.
// Each case asserts the SQLSTATE, so a failure for another reason would not pass.

const sqlState = (error: unknown) => (error as { cause?: { code?: string } }).cause?.code

async function rejects(statement: (db: Database) => Promise<unknown>) {
  const error = await withDb(statement).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, 'the database accepted it').toBeDefined()
  return sqlState(error)
}

describe('actors table', () => {
  it('accepts a valid actor and defaults gender to Other', async () => {
    const [row] = await withDb((db) => db.insert(actors).values({ name: 'Ada', age: 30 }).returning())
    expect(row).toEqual(storedActor({ id: 1, name: 'Ada', age: 30, gender: 'Other' }))
  })

  it.each([
    ['a negative age', { name: 'Ada', age: -1 }],
    ['an age over 150', { name: 'Ada', age: 151 }],
    ['an empty name', { name: '', age: 30 }],
    ['an untrimmed name', { name: ' Ada', age: 30 }],
    ['an empty gender', { name: 'Ada', age: 30, gender: '' }],
  ])('rejects %s', async (_, values) => {
    expect(await rejects((db) => db.insert(actors).values(values))).toBe('23514')
  })

  it('rejects a name over 100 characters', async () => {
    expect(await rejects((db) => db.insert(actors).values({ name: 'x'.repeat(101), age: 30 }))).toBe('22001')
  })

  it('rejects a missing age', async () => {
    expect(await rejects((db) => db.execute(sql`insert into actors (name) values ('Ada')`))).toBe('23502')
  })
})

describe('movies table', () => {
  it('rejects an empty title', async () => {
    expect(await rejects((db) => db.insert(movies).values({ title: '', release_date: '2020-02-16' }))).toBe('23514')
  })

  it('rejects a date that is not a calendar date', async () => {
    expect(await rejects((db) => db.execute(sql`insert into movies (title, release_date) values ('X', '2021-02-29')`))).toBe('22008')
  })
})

describe('castings table', () => {
  async function movieAndActor() {
    return withDb(async (db) => {
      const [movie] = await db.insert(movies).values({ title: 'Heat', release_date: '1995-12-15' }).returning()
      const [actor] = await db.insert(actors).values({ name: 'Al', age: 55 }).returning()
      return { movie_id: movie!.id, actor_id: actor!.id }
    })
  }

  it('rejects a duplicate casting', async () => {
    const ids = await movieAndActor()
    await withDb((db) => db.insert(castings).values(ids))
    expect(await rejects((db) => db.insert(castings).values(ids))).toBe('23505')
  })

  it('rejects an orphan casting', async () => {
    const { movie_id } = await movieAndActor()
    expect(await rejects((db) => db.insert(castings).values({ movie_id, actor_id: 999 }))).toBe('23503')
  })

  it('rejects a negative fee', async () => {
    const ids = await movieAndActor()
    expect(await rejects((db) => db.insert(castings).values({ ...ids, fee: -1 }))).toBe('23514')
  })

  it('deletes castings with their actor and with their movie', async () => {
    const first = await movieAndActor()
    const second = await movieAndActor()
    await withDb((db) => db.insert(castings).values([first, second, { movie_id: first.movie_id, actor_id: second.actor_id }]))
    await withDb((db) => db.execute(sql`delete from actors where id = ${first.actor_id}`))
    await withDb((db) => db.execute(sql`delete from movies where id = ${second.movie_id}`))
    const left = await withDb((db) => db.select().from(castings))
    expect(left).toEqual([{ movie_id: first.movie_id, actor_id: second.actor_id, fee: null }])
  })
})
