import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { actors } from '../src/db/schema'
import { app } from '../src/index'
import { producer, withDb } from './helpers'

// A write's nudge to the webhook queue is sent after its answer: whatever happens to it, the
// committed write answers as it did (a missing binding once made a create a 500 in plain workerd).
describe('the nudge after a write', () => {
  it('never turns a committed write into an error, even without a queue binding', async () => {
    const withoutQueue = { ...env, WEBHOOK_QUEUE: undefined }
    const response = await app.request(
      '/actors',
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${await producer()}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Ada', age: 36 }),
      },
      withoutQueue,
    )
    expect(response.status).toBe(201)
    expect(await withDb((db) => db.$count(actors))).toBe(1)
  })
})
