import { sql } from 'drizzle-orm'
import { Webhook } from 'standardwebhooks'
import { describe, expect, inject, it } from 'vitest'
import type * as z from 'zod'
import { webhooks } from '../src/db/schema'
import { app } from '../src/index'
import type { deliverySchema, webhookSchema } from '../src/schemas/webhooks'
import { consume, retryDelay } from '../src/webhooks/deliver'
import { type DeliveryMessage, dispatch, type WebhookMessage } from '../src/webhooks/dispatch'
import { isDeliverableUrl } from '../src/webhooks/url'
import { bindings, call, callJson, insertActors, producer, setDatabase, tokenFor, withDb } from './helpers'

// API.md D2: webhooks. Receivers are real HTTP servers on 127.0.0.1
// (test/receivers.ts), scripted and read through the services server; every
// delivery they get is verified with the `standardwebhooks` package, as a
// receiver would.

type Plan = Array<number | 'hang'>
type Received = { headers: Record<string, string>; body: string; at: number }
// The shapes the document promises, read from the schemas that document them.
type WebhookBody = z.output<typeof webhookSchema>
type Delivery = z.output<typeof deliverySchema>

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
  received.map(({ headers, body }) => {
    try {
      return new Webhook(secret).verify(body, headers) as { type: string; timestamp: string; data: Record<string, unknown> }
    } catch (error) {
      throw new Error(`${error} in ${JSON.stringify({ headers, body })}`)
    }
  })

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

const deliveriesOf = async (id: number, token: string) =>
  (await callJson<{ deliveries: Delivery[] }>(`/webhooks/${id}/deliveries?per_page=100`, { token })).body.deliveries ?? []

/** Every event the feed holds, as the receivers should see them: cursor and type, oldest first. */
const feedEvents = async (token: string) =>
  (await callJson<{ events: { cursor: string; type: string }[] }>('/events?per_page=1000', { token })).body.events

describe('webhook delivery, when the receiver fails', () => {
  it('retries a receiver that answers 500 twice, under one webhook-id, until it answers 200', async () => {
    const token = await producer()
    const hook = await receiver([500, 500])
    const { webhook, secret } = await addWebhook(hook.url)
    await write('Ada', token)
    const received = await until(async () => ((await hook.received()).length >= 3 ? hook.received() : undefined), 15_000, '3 attempts')
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1)
    expect(verified(received, secret).map((body) => body.type)).toEqual(['actor.created', 'actor.created', 'actor.created'])
    // Backoff: the second retry waits longer than the first (1 s, then 2 s, each up to a quarter more).
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(900)
    expect(received[2]!.at - received[1]!.at).toBeGreaterThanOrEqual(1_900)
    const [delivery] = await until(
      async () => {
        const list = await deliveriesOf(webhook.id, token)
        return list[0]?.state === 'delivered' ? list : undefined
      },
      5_000,
      'the delivery recorded',
    )
    expect(delivery).toMatchObject({
      type: 'actor.created',
      attempts: 3,
      state: 'delivered',
      last_status: 200,
      last_error: null,
      next_attempt_at: null,
    })
  }, 30_000)

  it('loses nothing while a receiver is down and sends every event once it is back; duplicates only under one webhook-id', async () => {
    const token = await producer()
    const hook = await receiver()
    const { webhook, secret } = await addWebhook(hook.url)
    await hook.down()
    await callJson('/actors', { method: 'POST', token, body: [1, 2, 3, 4, 5].map((n) => ({ name: `Bulk ${n}`, age: 20 + n })) })
    for (const name of ['Ada', 'Grace', 'Edsger']) await write(name, token)
    await call('/movies', { method: 'POST', token, body: { title: 'Heat', release_date: '1995-12-15' } })
    await call('/movies/1/actors/1', { method: 'PUT', token, body: { fee: 10 } })
    // Down long enough that every event has failed, been retried, and failed again.
    await until(
      async () => {
        const list = await deliveriesOf(webhook.id, token)
        return (
          list.length === 10 && list.every((d) => d.attempts >= 2 && d.state === 'pending' && d.last_error === 'the connection failed.')
        )
      },
      20_000,
      'every delivery failing twice',
    )
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    await hook.up()
    const expected = await feedEvents(token)
    expect(expected).toHaveLength(10)
    const received = await until(
      async () => {
        const all = await hook.received()
        const cursors = new Set(verified(all, secret).map((body) => body.data.cursor))
        return cursors.size === expected.length ? all : undefined
      },
      30_000,
      'every event after the outage',
    )
    const bodies = verified(received, secret)
    expect(new Set(bodies.map((body) => body.data.cursor))).toEqual(new Set(expected.map((event) => event.cursor)))
    // A duplicate is the same event under the same webhook-id: a receiver that dedupes by it sees each event once.
    const byId = new Map<string, string>()
    received.forEach(({ headers }, i) => {
      const cursor = String(bodies[i]!.data.cursor)
      expect(byId.get(headers['webhook-id']!) ?? cursor).toBe(cursor)
      byId.set(headers['webhook-id']!, cursor)
    })
    expect(byId.size).toBe(expected.length)
    await until(async () => (await deliveriesOf(webhook.id, token)).every((d) => d.state === 'delivered'), 10_000, 'all delivered')
  }, 60_000)

  it('disables the webhook when the receiver answers 410, and sends a failed delivery again on request once enabled', async () => {
    const token = await producer()
    const hook = await receiver([410])
    const { webhook, secret } = await addWebhook(hook.url)
    await write('Ada', token)
    const disabled = await until(
      async () => {
        const { body } = await callJson<{ webhook: WebhookBody }>(`/webhooks/${webhook.id}`, { token })
        return body.webhook.enabled ? undefined : body.webhook
      },
      10_000,
      'the webhook disabled',
    )
    expect(disabled.disabled_reason).toMatch(/^The receiver answered 410 Gone at .+\.$/)
    const [failed] = await until(
      async () => {
        const list = await deliveriesOf(webhook.id, token)
        return list[0]?.state === 'failed' ? list : undefined
      },
      5_000,
      'the delivery failed',
    )
    expect(failed).toMatchObject({ attempts: 1, last_status: 410, last_error: 'the receiver answered 410.', next_attempt_at: null })
    // Disabled: a new event is not sent, and a retry is refused.
    await write('Grace', token)
    const retry = `/webhooks/${webhook.id}/deliveries/${failed!.event_cursor}/retry`
    const refused = await callJson(retry, { method: 'POST', token })
    expect([refused.status, refused.body.message]).toEqual([422, `Webhook with id ${webhook.id} is disabled.`])
    const enabled = await callJson<{ webhook: WebhookBody }>(`/webhooks/${webhook.id}`, { method: 'PATCH', token, body: { enabled: true } })
    expect(enabled.body.webhook).toMatchObject({ enabled: true, disabled_reason: null })
    const retried = await callJson<{ delivery: Delivery }>(retry, { method: 'POST', token })
    expect(retried.status).toBe(202)
    expect(retried.body.delivery).toMatchObject({ event_cursor: failed!.event_cursor, state: 'pending' })
    // Re-enabled, it resumes where it stopped: Grace's event arrives too, and Ada's again, under its webhook-id.
    const received = await until(async () => ((await hook.received()).length >= 3 ? hook.received() : undefined), 10_000, 'the retry')
    const names = verified(received, secret).map((body) => (body.data.after as { name: string }).name)
    expect(names.sort()).toEqual(['Ada', 'Ada', 'Grace'])
    const ada = received.filter((_, i) => names[i] === 'Ada')
    expect(received.filter((r) => r.headers['webhook-id'] === received[0]!.headers['webhook-id'])).toHaveLength(2)
    expect(ada).toBeDefined()
    const delivered = await until(
      async () => {
        const list = await deliveriesOf(webhook.id, token)
        return list.every((d) => d.state === 'delivered') ? list : undefined
      },
      5_000,
      'delivered',
    )
    const again = await callJson(`/webhooks/${webhook.id}/deliveries/${delivered[0]!.event_cursor}/retry`, { method: 'POST', token })
    expect([again.status, again.body.message]).toEqual([422, 'only a failed delivery can be retried.'])
    const unknown = await callJson(`/webhooks/${webhook.id}/deliveries/ZTEuMS4x/retry`, { method: 'POST', token })
    expect([unknown.status, unknown.body.message]).toEqual([404, 'Delivery of event ZTEuMS4x not found for this webhook.'])
  }, 30_000)

  it('records a receiver that hangs past 15 s as a timeout, and retries it', async () => {
    const token = await producer()
    const hook = await receiver(['hang'])
    const { webhook, secret } = await addWebhook(hook.url)
    await write('Ada', token)
    const [timedOut] = await until(
      async () => {
        const list = await deliveriesOf(webhook.id, token)
        return list[0]?.last_error ? list : undefined
      },
      25_000,
      'the timeout recorded',
    )
    expect(timedOut).toMatchObject({ attempts: 1, state: 'pending', last_status: null, last_error: 'no answer within 15 s.' })
    await until(async () => (await deliveriesOf(webhook.id, token))[0]?.state === 'delivered', 10_000, 'the retry delivered')
    const received = await hook.received()
    expect(received).toHaveLength(2)
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(15_000)
    expect(verified(received, secret)).toHaveLength(2)
  }, 45_000)
})

describe('the queue consumer, at the end of a schedule', () => {
  /** A batch of one delivery message, as the queue hands it over: `sent` is when it was first enqueued. */
  function batchOf(body: DeliveryMessage, sent: Date) {
    const outcome: { acked: boolean; retried?: number } = { acked: false }
    const message = {
      id: 'm1',
      timestamp: sent,
      attempts: 17,
      body,
      ack: () => {
        outcome.acked = true
      },
      retry: (options?: { delaySeconds?: number }) => {
        outcome.retried = options?.delaySeconds ?? 0
      },
    }
    const batch = { queue: 'test', messages: [message], ackAll: () => {}, retryAll: () => {} } as unknown as MessageBatch<WebhookMessage>
    return { batch, outcome }
  }

  /** A webhook with one event to deliver, its delivery staged as the dispatcher stages it. */
  async function staged(url: string) {
    const { webhook } = await addWebhook(url)
    await insertActors([{ name: 'Ada', age: 36 }])
    const sent: WebhookMessage[] = []
    await dispatch({
      ...bindings,
      WEBHOOK_QUEUE: { sendBatch: async (batch: { body: WebhookMessage }[]) => void sent.push(...batch.map((m) => m.body)) } as never,
    })
    expect(sent).toHaveLength(1)
    return { webhook, message: sent[0] as DeliveryMessage }
  }

  it('fails a delivery still failing 24 h after its first attempt, and sends it to the dead-letter queue', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_500)) // earlier tests' nudges are walked by now
    const hook = await receiver([500])
    const { webhook, message } = await staged(hook.url)
    const dead: unknown[] = []
    const { batch, outcome } = batchOf(message, new Date(Date.now() - 24 * 3600_000 - 1_000))
    await consume(batch, { ...bindings, WEBHOOK_DEAD_LETTERS: { send: async (body: unknown) => void dead.push(body) } as never })
    expect(outcome).toEqual({ acked: true })
    expect(dead).toEqual([message])
    const [delivery] = await deliveriesOf(webhook.id, await producer())
    expect(delivery).toMatchObject({
      state: 'failed',
      attempts: 1,
      last_status: 500,
      last_error: 'the receiver answered 500.',
      next_attempt_at: null,
    })
  })

  it('retries a younger one with the doubling delay, and disables a webhook failing for 3 days in a row', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    const hook = await receiver([500, 500])
    const { webhook, message } = await staged(hook.url)
    const young = batchOf({ ...message }, new Date())
    await consume(young.batch, bindings)
    // Its 17th attempt: 1 s × 2^16, more than 12 h, so 12 h.
    expect(young.outcome).toEqual({ acked: false, retried: 12 * 3600 })
    await withDb((db) => db.update(webhooks).set({ failing_since: sql`now() - interval '3 days 1 minute'` }))
    const old = batchOf({ ...message }, new Date())
    await consume(old.batch, bindings)
    expect(old.outcome).toEqual({ acked: true })
    const { body } = await callJson<{ webhook: WebhookBody }>(`/webhooks/${webhook.id}`, { token: await producer() })
    expect(body.webhook).toMatchObject({ enabled: false, disabled_reason: 'Deliveries failed for 3 days in a row.' })
  })

  it('spaces retries by doubling delays with up to a quarter more, each at most 12 h, for at least 24 h in all', () => {
    for (let attempt = 1; attempt <= 20; attempt++) {
      const nominal = Math.min(5 * 2 ** (attempt - 1), 12 * 3600)
      const delay = retryDelay(5, attempt)
      expect(delay).toBeGreaterThanOrEqual(Math.min(nominal, 12 * 3600))
      expect(delay).toBeLessThanOrEqual(Math.min(Math.ceil(nominal * 1.25), 12 * 3600))
    }
    // The schedule ends only once the first attempt is 24 h old: 15 retries at base 5 already take longer.
    const total = Array.from({ length: 15 }, (_, i) => Math.min(5 * 2 ** i, 12 * 3600)).reduce((a, b) => a + b, 0)
    expect(total).toBeGreaterThan(24 * 3600)
  })
})

describe('POST /webhooks/:id/rotate-secret', () => {
  it('answers a new secret, and for 24 h each delivery carries two signatures, one with each secret', async () => {
    const token = await producer()
    const hook = await receiver()
    const { webhook, secret: before } = await addWebhook(hook.url)
    const rotated = await callJson<{ webhook: WebhookBody; secret: string }>(`/webhooks/${webhook.id}/rotate-secret`, {
      method: 'POST',
      token,
    })
    expect(rotated.status).toBe(200)
    expect(rotated.body.webhook).toEqual(webhook)
    const after = rotated.body.secret
    expect(after).toMatch(/^whsec_/)
    expect(after).not.toBe(before)
    await write('Ada', token)
    const [delivery] = await until(async () => ((await hook.received()).length >= 1 ? hook.received() : undefined), 10_000, 'the delivery')
    const signatures = delivery!.headers['webhook-signature']!.split(' ')
    expect(signatures).toHaveLength(2)
    for (const secret of [before, after]) {
      // Each secret verifies the delivery on its own, and with only its own signature.
      expect(verified([delivery!], secret)).toHaveLength(1)
      const own = signatures.filter((signature) => {
        try {
          new Webhook(secret).verify(delivery!.body, { ...delivery!.headers, 'webhook-signature': signature })
          return true
        } catch {
          return false
        }
      })
      expect(own).toHaveLength(1)
    }
    // Past the 24 hours, only the new secret signs.
    await withDb((db) => db.update(webhooks).set({ previous_secret_expires_at: sql`now() - interval '1 second'` }))
    await write('Grace', token)
    const later = await until(
      async () => ((await hook.received()).length >= 2 ? (await hook.received())[1] : undefined),
      10_000,
      'the second delivery',
    )
    expect(later.headers['webhook-signature']!.split(' ')).toHaveLength(1)
    expect(() => new Webhook(before).verify(later.body, later.headers)).toThrow()
    expect(verified([later], after)).toHaveLength(1)
  }, 30_000)
})

describe('the dispatcher', () => {
  const queueOf = (send: (messages: WebhookMessage[]) => Promise<void>) =>
    ({
      sendBatch: async (batch: { body: WebhookMessage }[]) => send(batch.map((m) => m.body)),
      send: async () => {},
    }) as unknown as Queue<WebhookMessage>

  it('sends again, under the same ids, what it sent before a crash kept it from moving the cursor; and nothing twice after', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_500)) // earlier tests' nudges are walked by now
    const hook = await receiver()
    const { webhook } = await addWebhook(hook.url)
    // Written straight to the database: no nudge, so only this test's dispatches walk them.
    await insertActors([
      { name: 'Ada', age: 36 },
      { name: 'Grace', age: 45 },
    ])
    const first: WebhookMessage[] = []
    // The queue took the messages, then the database went away before the cursor moved.
    const crashing = queueOf(async (messages) => {
      first.push(...messages)
      await setDatabase('down')
    })
    await expect(dispatch({ ...bindings, WEBHOOK_QUEUE: crashing })).rejects.toThrow()
    await setDatabase('up')
    expect(first).toHaveLength(2)
    expect(first.every((m) => 'webhook' in m && m.webhook === webhook.id)).toBe(true)
    const second: WebhookMessage[] = []
    await dispatch({ ...bindings, WEBHOOK_QUEUE: queueOf(async (messages) => void second.push(...messages)) })
    expect(second).toEqual(first)
    const third: WebhookMessage[] = []
    await dispatch({ ...bindings, WEBHOOK_QUEUE: queueOf(async (messages) => void third.push(...messages)) })
    expect(third).toEqual([])
    // The queue refusing a send leaves the cursor too: the next walk sends what it could not.
    await insertActors([{ name: 'Edsger', age: 40 }])
    const refusing = queueOf(async () => {
      throw new Error('queue unavailable')
    })
    await expect(dispatch({ ...bindings, WEBHOOK_QUEUE: refusing })).rejects.toThrow('queue unavailable')
    const fourth: WebhookMessage[] = []
    await dispatch({ ...bindings, WEBHOOK_QUEUE: queueOf(async (messages) => void fourth.push(...messages)) })
    expect(fourth).toHaveLength(1)
    const token = await producer()
    const staged = await deliveriesOf(webhook.id, token)
    expect(staged.map((d) => [d.type, d.state])).toEqual([
      ['actor.created', 'pending'],
      ['actor.created', 'pending'],
      ['actor.created', 'pending'],
    ])
  }, 30_000)

  it('makes the first attempt within 5 s of the commit', async () => {
    const token = await producer()
    const hook = await receiver()
    await addWebhook(hook.url)
    const latencies: number[] = []
    for (const name of ['Ada', 'Grace', 'Edsger', 'Barbara', 'Donald']) {
      const before = (await hook.received()).length
      await write(name, token)
      const committed = Date.now()
      const arrived = await until(async () => (await hook.received())[before]?.at, 10_000, 'the delivery')
      latencies.push(arrived - committed)
    }
    console.info(JSON.stringify({ firstAttemptMs: latencies }))
    expect(Math.max(...latencies)).toBeLessThan(5_000)
  }, 60_000)
})

describe('POST /webhooks', () => {
  it('answers 201 with Location, the webhook and its secret, which is stored only encrypted', async () => {
    const token = await producer()
    const { status, body, response } = await callJson<{ webhook: WebhookBody & { created_at: string }; secret: string }>('/webhooks', {
      method: 'POST',
      token,
      body: { url: 'https://example.com/hooks', types: ['casting.*', 'actor.deleted'], description: 'payroll' },
    })
    expect(status).toBe(201)
    expect(response.headers.get('Location')).toBe(`/webhooks/${body.webhook.id}`)
    expect(body).toEqual({
      success: true,
      webhook: {
        id: body.webhook.id,
        url: 'https://example.com/hooks',
        types: ['casting.*', 'actor.deleted'],
        description: 'payroll',
        enabled: true,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        disabled_reason: null,
      },
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    })
    const [stored] = await withDb((db) => db.select().from(webhooks))
    expect(stored!.secret).not.toContain(body.secret.slice(6, 20))
    expect(JSON.stringify(stored)).not.toContain(body.secret.slice(6))
    const read = await callJson<{ webhook: WebhookBody }>(`/webhooks/${body.webhook.id}`, { token })
    expect(read.body).toEqual({ success: true, webhook: body.webhook })
  })

  it.each([
    ['not a list', { types: 'actor.*' }],
    ['an empty list', { types: [] }],
    ['an unknown type', { types: ['actor.renamed'] }],
    ['more than 20', { types: Array(21).fill('*') }],
  ])('answers 422 for types that are %s', async (_, fields) => {
    const { status, body } = await callJson('/webhooks', {
      method: 'POST',
      token: await producer(),
      body: { url: 'https://example.com', ...fields },
    })
    expect([status, body.message]).toEqual([422, 'types must list 1 to 20 of: an event type (actor.created), <resource>.* or *.'])
  })

  const refused = [
    'http://example.com/hook',
    'https://user:secret@example.com/hook',
    'https://user@example.com/hook',
    'ftp://example.com/hook',
    'not a url',
    `https://example.com/${'a'.repeat(1990)}`,
    'https://10.0.0.1/hook',
    'https://172.16.5.4/hook',
    'https://192.168.1.1/hook',
    'https://100.64.0.1/hook',
    'https://0.0.0.0/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://169.254.1.1/hook',
    'https://224.0.0.1/hook',
    'https://255.255.255.255/hook',
    'https://192.0.2.1/hook',
    'https://167772161/hook', // 10.0.0.1, in decimal
    'https://0xa9.0xfe.0xa9.0xfe/hook', // 169.254.169.254, in hex
    'https://0251.0376.0251.0376/hook', // the same, in octal
    'https://[fd00::1]/hook',
    'https://[fc00::1]/hook',
    'https://[fe80::1]/hook',
    'https://[::]/hook',
    'https://[::ffff:10.0.0.1]/hook',
    'https://[::ffff:169.254.169.254]/hook',
    'https://[::ffff:7f00:1]/hook',
    'https://[64:ff9b::a9fe:a9fe]/hook',
    'https://[2001:db8::1]/hook',
    'https://[ff02::1]/hook',
    'https://foo.localhost/hook',
  ]
  const loopback = [
    'https://127.0.0.1/hook',
    'http://127.0.0.1:8080/hook',
    'https://2130706433/hook',
    'https://0x7f.1/hook',
    'https://0177.0.0.1/hook',
    'https://[::1]/hook',
    'http://localhost:3000/hook',
  ]

  it('answers 422 for a URL that is not a public https one, whatever its spelling', async () => {
    const token = await producer()
    for (const url of refused) {
      const { status, body } = await callJson('/webhooks', { method: 'POST', token, body: { url, types: ['*'] } })
      expect([status, body.message], url).toEqual([422, 'url must be a public https URL.'])
    }
  })

  it('refuses loopback unless WEBHOOK_ALLOW_LOOPBACK_HTTP is true, which the tests set', async () => {
    const token = await producer()
    const without = { ...bindings, WEBHOOK_ALLOW_LOOPBACK_HTTP: '' }
    for (const url of loopback) {
      expect(isDeliverableUrl(url, false), url).toBe(false)
      const init = {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ url, types: ['*'] }),
      }
      const response = await app.request('/webhooks', init, without)
      expect([response.status, ((await response.json()) as { message: string }).message], url).toEqual([
        422,
        'url must be a public https URL.',
      ])
      const allowed = await callJson('/webhooks', { method: 'POST', token, body: { url, types: ['*'] } })
      expect(allowed.status, url).toBe(201)
    }
    for (const url of ['https://example.com/hook', 'https://93.184.215.14/', 'https://[2606:4700::1111]/', 'https://[::ffff:8.8.8.8]/']) {
      expect(isDeliverableUrl(url, false), url).toBe(true)
    }
  })
})

describe('managing webhooks', () => {
  it('lists them as lists are paged, and answers 404 past the last page', async () => {
    const token = await producer()
    const a = await addWebhook('https://a.example.com/', ['*'], token)
    const b = await addWebhook('https://b.example.com/', ['movie.*'], token)
    const all = await callJson<{ webhooks: WebhookBody[] }>('/webhooks', { token })
    expect(all.body).toMatchObject({ success: true, webhooks: [a.webhook, b.webhook], page: 1, per_page: 10, total: 2 })
    const second = await callJson('/webhooks?page=2&per_page=1', { token })
    expect(second.body).toMatchObject({ webhooks: [b.webhook], page: 2, per_page: 1, total: 2 })
    const past = await callJson('/webhooks?page=3&per_page=1', { token })
    expect([past.status, past.body.message]).toEqual([404, 'no webhooks found.'])
    const bad = await callJson('/webhooks?page=0', { token })
    expect([bad.status, bad.body.message]).toEqual([400, 'page must be a positive integer.'])
  })

  it('changes url, types, description and enabled; enabling clears disabled_reason', async () => {
    const token = await producer()
    const { webhook } = await addWebhook('https://a.example.com/', ['*'], token)
    await withDb((db) => db.update(webhooks).set({ enabled: false, disabled_reason: 'The receiver answered 410 Gone.' }))
    const patched = await callJson<{ webhook: WebhookBody }>(`/webhooks/${webhook.id}`, {
      method: 'PATCH',
      token,
      body: { url: 'https://b.example.com/', types: ['actor.created'], description: 'crm', enabled: true },
    })
    expect(patched.body.webhook).toMatchObject({
      url: 'https://b.example.com/',
      types: ['actor.created'],
      description: 'crm',
      enabled: true,
      disabled_reason: null,
    })
    const off = await callJson<{ webhook: WebhookBody }>(`/webhooks/${webhook.id}`, {
      method: 'PATCH',
      token,
      body: { enabled: false, description: null },
    })
    expect(off.body.webhook).toMatchObject({ enabled: false, disabled_reason: null, description: null })
    for (const [body, message] of [
      [{}, 'request does not contain a valid JSON body.'],
      [{ url: 'https://10.1.2.3/' }, 'url must be a public https URL.'],
      [{ secret: 'whsec_x' }, 'unexpected field: secret.'],
      [{ enabled: 'yes' }, 'enabled must be true or false.'],
    ] as const) {
      const answer = await callJson(`/webhooks/${webhook.id}`, { method: 'PATCH', token, body })
      expect(answer.body.message).toBe(message)
    }
  })

  it('deletes one, and answers 404 for an id that names none on every route', async () => {
    const token = await producer()
    const { webhook } = await addWebhook('https://a.example.com/', ['*'], token)
    const deleted = await callJson(`/webhooks/${webhook.id}`, { method: 'DELETE', token })
    expect(deleted.body).toEqual({ success: true, deleted: webhook.id })
    for (const [method, path, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { enabled: true }],
      ['DELETE', '', undefined],
      ['POST', '/rotate-secret', undefined],
      ['GET', '/deliveries', undefined],
      ['POST', '/deliveries/ZTEuMS4x/retry', undefined],
    ] as const) {
      const answer = await callJson(`/webhooks/${webhook.id}${path}`, { method, token, body })
      expect([answer.status, answer.body.message], `${method} ${path}`).toEqual([
        404,
        `Webhook with id ${webhook.id} not found in database.`,
      ])
    }
  })

  it('needs manage:webhooks, which the Executive Producer holds', async () => {
    const { status, body } = await callJson('/webhooks', { token: await tokenFor('director') })
    expect([status, body.message]).toEqual([403, 'Permission not found.'])
  })
})
