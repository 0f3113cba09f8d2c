import { describe, expect, it } from 'vitest'
import { callJson, setDatabase } from './helpers'

describe('GET /health', () => {
  it('answers 200 when the database answers', async () => {
    const { status, body } = await callJson('/health')
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, status: 'ok', database: 'ok' })
  })

  it('opens nothing per request: more requests in a row than the embedded server accepts connections', async () => {
    // With a connection per request, PGlite's 100 would run out; the SQL endpoint keeps a few open.
    for (let i = 0; i < 120; i++) expect((await callJson('/health')).status).toBe(200)
  })

  it('answers 503 with the envelope when the database is unreachable, and recovers', async () => {
    await setDatabase('down')
    const started = Date.now()
    const down = await callJson('/health')
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(down.status).toBe(503)
    expect(down.body).toEqual({ success: false, error: 503, message: 'database unavailable.' })
    expect(down.response.headers.get('Retry-After')).toMatch(/^\d+$/)

    await setDatabase('up')
    const up = await callJson('/health')
    expect(up.status).toBe(200)
  })

  it('answers 503 within 5 s when the database accepts connections but never answers', async () => {
    await setDatabase('hang')
    const started = Date.now()
    const { status, body } = await callJson('/health')
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(status).toBe(503)
    expect(body.message).toBe('database unavailable.')
  })
})
