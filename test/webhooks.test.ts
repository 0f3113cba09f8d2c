import { Webhook } from 'standardwebhooks'
import { describe, expect, inject, it } from 'vitest'
import { call, callJson, insertActors, producer, tokenFor } from './helpers'

// API.md D2: webhooks. Receivers are real HTTP servers on 127.0.0.1
// (test/receivers.ts), scripted and read through the services server; every
// delivery they get is verified with the `standardwebhooks` package, as a
// receiver would.

type Plan = Array<number | 'hang'>
type Received = { headers: Record<string, string>; body: string; at: number }
type WebhookBody = {
  id: number
  url: string
  types: string[]
  description: string | null
  enabled: boolean
  disabled_reason: string | null
}
type Delivery = {
  event_cursor: string
  type: string
  attempts: number
  state: string
  last_status: number | null
  last_error: string | null
  next_attempt_at: string | null
}

const services = inject('servicesUrl')

async function receiver(plan: Plan = []) {
  const response = await fetch(`${services}/receivers`, { method: 'POST', body: JSON.stringify({ plan }) })
  const { port, url } = (await response.json()) as { port: number; url: string }
  const control = (action: string, body?: unknown) =>
    fetch(`${services}/receivers/${port}/${action}`, { method: 'POST', body: JSON.stringify(body ?? {}) }).then((r) => r.json())
  return {
    url,
    received: async () => (await (await fetch(`${services}/receivers/${port}/received`)).json()) as Received[],
    plan: (next: Plan) => control('plan', { plan: next }),
    down: () => control('down'),
    up: () => control('up'),
  }
}

async function addWebhook(url: string, types: string[] = ['*'], token?: string) {
  const { status, body, response } = await callJson<{ webhook: WebhookBody; secret: string }>('/webhooks', {
    method: 'POST',
    token: token ?? (await producer()),
    body: { url, types },
  })
  expect(status, JSON.stringify(body)).toBe(201)
  return { ...body, location: response.headers.get('Location') }
}

/** Waits until `check` answers something truthy, polling every 100 ms, for at most `ms`. */
async function until<T>(check: () => Promise<T>, ms: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The deliveries' bodies, each verified with `secret` as a receiver would (throws on a bad signature). */
const verified = (received: Received[], secret: string) =>
  received.map(
    ({ headers, body }) => new Webhook(secret).verify(body, headers) as { type: string; timestamp: string; data: Record<string, unknown> },
  )

const write = async (name: string, token: string) =>
  (await callJson<{ created: number }>('/actors', { method: 'POST', token, body: { name, age: 30 } })).body.created

describe('webhook delivery', () => {
  it('POSTs each matching event committed after the webhook was created, signed per Standard Webhooks', async () => {
    const token = await producer()
    await insertActors([{ name: 'Before', age: 40 }])
    const hook = await receiver()
    const { webhook, secret } = await addWebhook(hook.url, ['actor.*'])
    const id = await write('Ada', token)
    await call('/movies', { method: 'POST', token, body: { title: 'Heat', release_date: '1995-12-15' } })
    const received = await until(async () => ((await hook.received()).length >= 1 ? hook.received() : undefined), 10_000, 'the delivery')
    await new Promise((resolve) => setTimeout(resolve, 1_500)) // nothing else arrives: not the movie, not the earlier actor
    const bodies = verified(await hook.received(), secret)
    expect(bodies.map((body) => body.type)).toEqual(['actor.created'])
    expect(bodies[0]!.data).toMatchObject({
      action: 'create',
      resource: 'actor',
      actor_id: id,
      after: { id, name: 'Ada' },
      type: 'actor.created',
    })
    expect(bodies[0]!.timestamp).toBe(bodies[0]!.data.at)
    expect(received[0]!.headers['webhook-id']).toBe(`msg_${webhook.id}_${bodies[0]!.data.cursor}`)
  })
})
