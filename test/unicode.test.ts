import { describe, expect, it } from 'vitest'
import { actors, movies } from '../src/db/schema'
import { actorRow } from './expected'
import { callJson, insertActors, insertMovies, producer, withDb } from './helpers'

// API.md D5: a lone UTF-16 surrogate is no character. JSON can carry one ("\ud800"), and
// JSON.stringify writes it so; every text field refuses it with its own 422, on every
// route that takes one, and nothing is stored (before, a create answered 500 and a
// PATCH stored U+FFFD).
const LONE = ['x\ud800', '\udc00x', 'a\ud800b']

const rows = () => withDb(async (db) => ({ actors: await db.select().from(actors), movies: await db.select().from(movies) }))

describe('text with a lone surrogate', () => {
  it.each(
    LONE.flatMap((text) => [
      ['POST', '/actors', { name: text, age: 30 }, 'name must not contain a lone UTF-16 surrogate.'],
      ['POST', '/actors', { name: 'Ada', age: 30, gender: text }, 'gender must not contain a lone UTF-16 surrogate.'],
      [
        'POST',
        '/actors',
        [
          { name: 'Ada', age: 30 },
          { name: text, age: 1 },
        ],
        'item 1: name must not contain a lone UTF-16 surrogate.',
      ],
      ['PATCH', '/actors/1', { name: text }, 'name must not contain a lone UTF-16 surrogate.'],
      ['PATCH', '/actors/1', { gender: text }, 'gender must not contain a lone UTF-16 surrogate.'],
      ['POST', '/movies', { title: text, release_date: '2020-02-16' }, 'title must not contain a lone UTF-16 surrogate.'],
      ['POST', '/movies', [{ title: text, release_date: '2020-02-16' }], 'item 0: title must not contain a lone UTF-16 surrogate.'],
      ['PATCH', '/movies/1', { title: text }, 'title must not contain a lone UTF-16 surrogate.'],
    ]) as [string, string, unknown, string][],
  )('%s %s %j answers 422 naming the field, and stores nothing', async (method, path, body, message) => {
    await insertActors([{ name: 'Kai', age: 29 }])
    await insertMovies([{ title: 'Heat', release_date: '1995-12-15' }])
    const before = await rows()
    const answer = await callJson(path, { method, token: await producer(), body })
    expect([answer.status, answer.body]).toEqual([422, { success: false, error: 422, message }])
    expect(await rows()).toEqual(before)
  })

  it('keeps a pair, which is one character', async () => {
    const name = 'Zoë 🎬'
    const { status, body } = await callJson('/actors', { method: 'POST', token: await producer(), body: { name, age: 30 } })
    expect(status).toBe(201)
    expect(body.actor).toEqual(actorRow({ id: 1, name, age: 30, gender: 'Other' }))
    const patched = await callJson('/actors/1', { method: 'PATCH', token: await producer(), body: { gender: '🎭' } })
    expect(patched.body.actor).toEqual([actorRow({ id: 1, name, age: 30, gender: '🎭' })])
  })
})
