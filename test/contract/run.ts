// `npm run test:contract`: the published contract proven true. Through
// `npm run dev`, a request for every operation and every status it documents;
// each response validated against /openapi.json by Prism's validator
// (scripts/lib/contract.ts); then the other direction: every documented
// (operation, status) pair must have been reached. The 503s need faults, so
// two more stacks: one whose identity provider cannot be reached, one whose
// database connection is cut once it is up.
import { createServer as createHttpServer } from 'node:http'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import pg from 'pg'
import { createChecks } from '../../scripts/lib/checks.ts'
import { type Contract, coverageTable, loadContract } from '../../scripts/lib/contract.ts'
import { DEV_AUDIENCE, DEV_ISSUER, mintDevToken } from '../../scripts/lib/dev-issuer.ts'
import { freePort, startDevServer } from '../../scripts/lib/dev-server.ts'
import { databaseTarget } from '../../scripts/lib/dev-vars.ts'
import { createScratchDatabase, type ScratchDatabase } from '../../scripts/lib/scratch-database.ts'
import { ROLES } from '../../src/auth/permissions.ts'
import type { DeclaredResource } from '../../src/resources/declare.ts'
import { resources } from '../../src/resources/index.ts'

type Stack = Awaited<ReturnType<typeof startDevServer>>

/** Every registered resource (src/resources/index.ts): each gets the same walk, with the example data it declares. */
const registered: readonly DeclaredResource[] = resources

/** A resource's related list as the document names it (`/actors/{id}/movies`): its one GET under `/<many>/{id}/` but the history. */
const relatedPath = (contract: Contract, many: string) =>
  Object.entries(contract.document.paths).find(
    ([path, operations]) => 'get' in operations && new RegExp(`^/${many}/\\{id\\}/(?!history$)[^/]+$`).test(path),
  )?.[0] ?? ''

const { check, finish } = createChecks()

const BIG = 'x'.repeat(70 * 1024) // over the 64 KiB body limit
const ABSENT = 2_000_000_000 // a valid id that names nothing

/** A request with the status it must answer; the check is that status, and no violation of the document. */
async function expectStatus(contract: Contract, status: number, base: string, method: string, path: string, init: RequestInit = {}) {
  const response = await contract.fetch(`${base}${path}`, { ...init, method })
  const exchange = contract.exchanges.at(-1)!
  const text = await response.text()
  const problems = [
    ...(response.status === status ? [] : [`answered ${response.status}: ${text.slice(0, 200)}`]),
    ...(exchange.operation ? [] : ['no documented operation matches this request']),
    ...exchange.violations,
  ]
  check(`${method} ${path} → ${status}`, problems.length === 0, problems.join('\n    '))
  const isJson = /json/.test(response.headers.get('Content-Type') ?? '')
  return { response, body: isJson ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

const bearer = (token: string, headers: Record<string, string> = {}) => ({ headers: { Authorization: `Bearer ${token}`, ...headers } })
const sendJson = (token: string, body: unknown, headers: Record<string, string> = {}) => ({
  headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

/** Every status but the faults', on a healthy stack. */
async function healthyStack(contract: Contract, stack: Stack) {
  const { base } = stack
  const go = (status: number, method: string, path: string, init?: RequestInit) => expectStatus(contract, status, base, method, path, init)
  const producer = await mintDevToken('producer', { folder: stack.dataDir })
  const nobody = await mintDevToken('assistant', { folder: stack.dataDir, permissions: [] })

  await go(200, 'GET', '/health')
  await go(200, 'GET', '/openapi.json')
  await go(200, 'GET', '/docs')
  const script = (await go(200, 'GET', '/docs/scalar.js')).response.headers.get('ETag') ?? ''
  await go(304, 'GET', '/docs/scalar.js', { headers: { 'If-None-Match': script } })

  // Every resource has the same shape: one walk for each, with its example creates (`create(n)`, distinct), change and invalid change.
  const ids: Record<string, number> = {}
  for (const { many: plural, examples, include: related } of registered) {
    const { update: change, invalid } = examples
    const include = related.name
    let made = 0
    const next = () => examples.create(++made)
    const create = next()
    const collection = `/${plural}`
    await go(404, 'GET', `${collection}?page=1`, bearer(producer)) // no rows yet: the empty page
    const { body } = await go(201, 'POST', collection, sendJson(producer, create))
    const id = body.created as number
    ids[plural] = id
    const doomed = (await go(201, 'POST', collection, sendJson(producer, next()))).body.created as number
    await go(400, 'POST', collection, sendJson(producer, {}))
    await go(413, 'POST', collection, sendJson(producer, { ...next(), padding: BIG }))
    await go(422, 'POST', collection, sendJson(producer, { ...next(), ...invalid }))
    await go(401, 'POST', collection, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(next()) })
    await go(403, 'POST', collection, sendJson(nobody, next()))
    // The bulk form (API.md C2): the array's answer, an item's 422, the empty array's 400.
    await go(201, 'POST', collection, sendJson(producer, [next(), next()]))
    await go(422, 'POST', collection, sendJson(producer, [next(), { ...next(), ...invalid }]))
    await go(400, 'POST', collection, sendJson(producer, []))
    // A CSV file (API.md D3): created as an array is; an empty body, over 1 MiB, a row with a cell too many.
    const csv = { Authorization: `Bearer ${producer}`, 'Content-Type': 'text/csv' }
    const header = Object.keys(create).join(',')
    const row = Object.values(create).join(',')
    await go(201, 'POST', collection, { headers: csv, body: `${header}\r\n${row}\r\n${row}\r\n` })
    await go(400, 'POST', collection, { headers: csv, body: '' })
    await go(413, 'POST', collection, { headers: csv, body: `${header}\r\n${'x'.repeat(1024 * 1024)}` })
    await go(422, 'POST', collection, { headers: csv, body: `${header}\r\n${row},more\r\n` })

    await go(200, 'GET', collection, bearer(producer))
    await go(200, 'GET', `${collection}?after=0`, bearer(producer)) // a cursor page: next_after, no total
    await go(200, 'GET', `${collection}?sort=-id`, bearer(producer, { Accept: 'text/csv' })) // every row, as CSV
    await go(400, 'GET', `${collection}?per_page=5`, bearer(producer, { Accept: 'text/csv' }))
    await go(200, 'GET', `${collection}?include=${include}`, bearer(producer))
    await go(400, 'GET', `${collection}?include=everything`, bearer(producer))
    await go(400, 'GET', `${collection}?page=0`, bearer(producer))
    await go(404, 'GET', `${collection}?page=999`, bearer(producer))
    await go(401, 'GET', collection)
    await go(403, 'GET', collection, bearer(nobody))

    const one = `${collection}/${id}`
    const etag = (await go(200, 'GET', one, bearer(producer))).response.headers.get('ETag') ?? ''
    await go(304, 'GET', one, bearer(producer, { 'If-None-Match': etag }))
    const embeddedTag = (await go(200, 'GET', `${one}?include=${include}`, bearer(producer))).response.headers.get('ETag') ?? ''
    await go(304, 'GET', `${one}?include=${include}`, bearer(producer, { 'If-None-Match': embeddedTag }))
    await go(400, 'GET', `${one}?include=everything`, bearer(producer))
    await go(404, 'GET', `${collection}/abc`, bearer(producer))
    await go(401, 'GET', one)
    await go(403, 'GET', one, bearer(nobody))

    await go(200, 'PATCH', one, sendJson(producer, change, { 'If-Match': etag }))
    await go(412, 'PATCH', one, sendJson(producer, create, { 'If-Match': etag })) // that ETag is stale now
    await go(422, 'PATCH', one, sendJson(producer, change)) // nothing would change
    await go(422, 'PATCH', one, sendJson(producer, invalid))
    await go(400, 'PATCH', one, sendJson(producer, '{"not json'))
    await go(413, 'PATCH', one, sendJson(producer, { ...change, padding: BIG }))
    await go(404, 'PATCH', `${collection}/${ABSENT}`, sendJson(producer, change))
    await go(401, 'PATCH', one, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(change) })
    await go(403, 'PATCH', one, sendJson(nobody, change))

    // An If-Match of more than 16 tags is a 400 (API.md Part B), where the document lists it.
    if (contract.documents(`DELETE ${collection}/{id} 400`)) {
      const tooMany = Array.from({ length: 17 }, (_, i) => `"${i}"`).join(', ')
      await go(400, 'DELETE', one, bearer(producer, { 'If-Match': tooMany }))
      await go(400, 'PATCH', one, sendJson(producer, change, { 'If-Match': tooMany }))
    }
    await go(412, 'DELETE', `${collection}/${doomed}`, bearer(producer, { 'If-Match': '"0123"' }))
    await go(200, 'DELETE', `${collection}/${doomed}`, bearer(producer))
    await go(404, 'DELETE', `${collection}/${doomed}`, bearer(producer))
    await go(401, 'DELETE', one)
    await go(403, 'DELETE', one, bearer(nobody))
  }

  const casting = `/movies/${ids.movies}/actors/${ids.actors}`
  await go(201, 'PUT', casting, bearer(producer))
  await go(200, 'PUT', casting, sendJson(producer, { fee: 500 }))
  await go(400, 'PUT', casting, sendJson(producer, '[1'))
  await go(413, 'PUT', casting, sendJson(producer, { fee: 1, padding: BIG }))
  await go(422, 'PUT', casting, sendJson(producer, { fee: -1 }))
  await go(404, 'PUT', `/movies/${ABSENT}/actors/${ids.actors}`, bearer(producer))
  await go(401, 'PUT', casting)
  await go(403, 'PUT', casting, bearer(nobody))

  // Each resource's related list (`/movies/{id}/actors`): an id that names nothing, and one that cannot (`abc`), answer 404.
  for (const { many } of registered) {
    const [path, absent, invalid] = [ids[many], ABSENT, 'abc'].map((id) => relatedPath(contract, many).replace('{id}', String(id)))
    await go(200, 'GET', path!, bearer(producer))
    await go(200, 'GET', path!, bearer(producer, { Accept: 'text/csv' }))
    await go(404, 'GET', absent!, bearer(producer))
    await go(404, 'GET', invalid!, bearer(producer))
    await go(401, 'GET', path!)
    await go(403, 'GET', path!, bearer(nobody))
  }

  // The whole cast at once (API.md C2).
  const cast = `/movies/${ids.movies}/actors`
  await go(200, 'PUT', cast, sendJson(producer, { cast: [{ actor_id: ids.actors, fee: 500 }] }))
  await go(200, 'GET', `/movies/${ids.movies}?include=cast`, bearer(producer))
  await go(200, 'GET', `/actors/${ids.actors}?include=movies`, bearer(producer))
  await go(400, 'PUT', cast, sendJson(producer, '{"cast": ['))
  await go(413, 'PUT', cast, sendJson(producer, { cast: [], padding: BIG }))
  await go(422, 'PUT', cast, sendJson(producer, { cast: [{ actor_id: ids.actors }, { actor_id: ids.actors }] }))
  await go(404, 'PUT', cast, sendJson(producer, { cast: [{ actor_id: ABSENT }] }))
  await go(404, 'PUT', `/movies/${ABSENT}/actors`, sendJson(producer, { cast: [] }))
  await go(401, 'PUT', cast, { headers: { 'Content-Type': 'application/json' }, body: '{"cast": []}' })
  await go(403, 'PUT', cast, sendJson(nobody, { cast: [] }))

  await go(200, 'DELETE', casting, bearer(producer))
  await go(404, 'DELETE', casting, bearer(producer)) // no longer cast
  await go(401, 'DELETE', casting)
  await go(403, 'DELETE', casting, bearer(nobody))

  // Idempotency-Key (API.md C3): the first create, its replay, the key on another body, a malformed key.
  for (const { many: plural, examples } of registered) {
    const [create, change] = [examples.create(100), examples.update]
    const key = { 'Idempotency-Key': `contract-${plural}` }
    const first = await go(201, 'POST', `/${plural}`, sendJson(producer, create, key))
    const replay = await go(201, 'POST', `/${plural}`, sendJson(producer, create, key))
    check(
      `POST /${plural} replayed: Idempotent-Replayed and the same body`,
      replay.response.headers.get('Idempotent-Replayed') === 'true' && JSON.stringify(replay.body) === JSON.stringify(first.body),
    )
    await go(422, 'POST', `/${plural}`, sendJson(producer, { ...create, ...change }, key))
    await go(400, 'POST', `/${plural}`, sendJson(producer, create, { 'Idempotency-Key': 'two words' }))
  }

  // History and restore (API.md C4), for each resource.
  for (const { many: plural } of registered) {
    const id = ids[plural]
    await go(200, 'DELETE', `/${plural}/${id}`, bearer(producer))
    await go(200, 'GET', `/${plural}/${id}/history`, bearer(producer))
    await go(400, 'GET', `/${plural}/${id}/history?per_page=0`, bearer(producer))
    await go(404, 'GET', `/${plural}/${ABSENT}/history`, bearer(producer))
    await go(401, 'GET', `/${plural}/${id}/history`)
    await go(403, 'GET', `/${plural}/${id}/history`, bearer(nobody))
    await go(200, 'POST', `/${plural}/${id}/restore`, bearer(producer))
    await go(409, 'POST', `/${plural}/${id}/restore`, bearer(producer))
    await go(404, 'POST', `/${plural}/${ABSENT}/restore`, bearer(producer))
    await go(401, 'POST', `/${plural}/${id}/restore`)
    await go(403, 'POST', `/${plural}/${id}/restore`, bearer(nobody))
  }

  // The change feed (API.md D1); its 410 needs a purge, on the server's stack (feedPastRetention).
  const page = (await go(200, 'GET', '/events?per_page=5', bearer(producer))).body
  await go(200, 'GET', `/events?after=${page.next_after}&resource=actor&wait=1`, bearer(producer))
  await go(400, 'GET', '/events?after=nonsense', bearer(producer))
  await go(401, 'GET', '/events')
  await go(403, 'GET', '/events', bearer(nobody))

  // As of a moment (API.md D4), for each resource.
  for (const { many: plural, include } of registered) {
    const one = `/${plural}/${ids[plural]}`
    await go(200, 'GET', `${one}?include=${include.name}&as_of=${new Date().toISOString()}`, bearer(producer))
    await go(404, 'GET', `${one}?as_of=${new Date(Date.now() - 86_400_000).toISOString()}`, bearer(producer)) // not yet created
    await go(400, 'GET', `${one}?as_of=yesterday`, bearer(producer))
    await go(410, 'GET', `${one}?as_of=2000-01-01T00:00:00Z`, bearer(producer))
  }

  await webhooks(go, base, producer, nobody)
}

/** Webhooks (API.md D2), with a receiver on this machine that answers 410: a failed delivery, a disabled webhook. */
async function webhooks(
  go: (status: number, method: string, path: string, init?: RequestInit) => ReturnType<typeof expectStatus>,
  base: string,
  producer: string,
  nobody: string,
) {
  const receiver = createHttpServer((request, response) => {
    request.resume()
    request.on('end', () => response.writeHead(410).end())
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  try {
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`
    const created = await go(201, 'POST', '/webhooks', sendJson(producer, { url, types: ['actor.*'] }))
    const hook = `/webhooks/${(created.body.webhook as { id: number }).id}`
    await go(400, 'POST', '/webhooks', sendJson(producer, {}))
    await go(413, 'POST', '/webhooks', sendJson(producer, { url, types: ['*'], padding: BIG }))
    await go(422, 'POST', '/webhooks', sendJson(producer, { url: 'https://10.0.0.1/hook', types: ['*'] }))
    await go(401, 'POST', '/webhooks', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ url, types: ['*'] }) })
    await go(403, 'POST', '/webhooks', sendJson(nobody, { url, types: ['*'] }))
    await go(200, 'GET', '/webhooks', bearer(producer))
    await go(400, 'GET', '/webhooks?page=0', bearer(producer))
    await go(404, 'GET', '/webhooks?page=999', bearer(producer))
    await go(401, 'GET', '/webhooks')
    await go(403, 'GET', '/webhooks', bearer(nobody))
    for (const [method, path, init] of [
      ['GET', hook, bearer(producer)],
      ['PATCH', hook, sendJson(producer, { description: 'payroll' })],
      ['POST', `${hook}/rotate-secret`, bearer(producer)],
    ] as const) {
      await go(200, method, path, init)
      await go(404, method, path.replace(hook, `/webhooks/${ABSENT}`), init)
      await go(401, method, path, { ...init, headers: { 'Content-Type': 'application/json' } })
      await go(403, method, path, { ...init, headers: { ...init.headers, Authorization: `Bearer ${nobody}` } })
    }
    await go(400, 'PATCH', hook, sendJson(producer, '{"url'))
    await go(413, 'PATCH', hook, sendJson(producer, { description: 'x', padding: BIG }))
    await go(422, 'PATCH', hook, sendJson(producer, { types: [] }))

    // An event, its delivery answered 410: failed, and the webhook disabled.
    await go(201, 'POST', '/actors', sendJson(producer, { name: 'Hook', age: 30 }))
    let delivery: { event_cursor: string; state: string } | undefined
    for (let waited = 0; waited < 20_000 && delivery?.state !== 'failed'; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      const response = await fetch(`${base}${hook}/deliveries`, bearer(producer)) // not a checked exchange: a poll
      delivery = response.ok ? ((await response.json()) as { deliveries: (typeof delivery)[] }).deliveries[0] : undefined
    }
    const deliveries = `${hook}/deliveries`
    await go(200, 'GET', deliveries, bearer(producer))
    await go(400, 'GET', `${deliveries}?per_page=0`, bearer(producer))
    await go(404, 'GET', `${deliveries}?page=99`, bearer(producer))
    await go(401, 'GET', deliveries)
    await go(403, 'GET', deliveries, bearer(nobody))
    const retry = `${deliveries}/${delivery?.event_cursor ?? 'none'}/retry`
    await go(422, 'POST', retry, bearer(producer)) // the webhook is disabled
    await go(200, 'PATCH', hook, sendJson(producer, { enabled: true }))
    await go(202, 'POST', retry, bearer(producer))
    await go(404, 'POST', `${deliveries}/not-a-cursor/retry`, bearer(producer))
    await go(401, 'POST', retry)
    await go(403, 'POST', retry, bearer(nobody))
    await go(200, 'DELETE', hook, bearer(producer))
    await go(404, 'DELETE', hook, bearer(producer))
    await go(401, 'DELETE', hook)
    await go(403, 'DELETE', hook, bearer(nobody))
  } finally {
    receiver.closeAllConnections()
    receiver.close()
  }
}

/** GET /events from a cursor the upkeep's purge has passed: 410. */
async function feedPastRetention(contract: Contract, stack: Stack) {
  const token = await mintDevToken('producer', { folder: stack.dataDir })
  const go = (status: number, path: string) => expectStatus(contract, status, stack.base, 'GET', path, bearer(token))
  for (const name of ['Purged', 'Kept']) await expectStatus(contract, 201, stack.base, 'POST', '/actors', sendJson(token, { name, age: 1 }))
  const first = ((await go(200, '/events?per_page=1')).body.events as { cursor: string }[])[0]!
  const client = new pg.Client({ connectionString: stack.databaseUrl })
  await client.connect()
  try {
    // What the upkeep writes when it purges (src/scheduled.ts): the last position it deleted.
    await client.query('insert into events_purged (txid, id) select txid, id from events order by txid desc, id desc limit 1')
  } finally {
    await client.end()
  }
  await go(410, `/events?after=${first.cursor}`)
}

/**
 * The 409 of a create whose Idempotency-Key another request still holds: on
 * the PostgreSQL server, where two transactions truly run at once (PGlite is
 * one backend, whose socket server runs one transaction at a time).
 */
async function keyInProgress(contract: Contract, stack: Stack) {
  const token = await mintDevToken('producer', { folder: stack.dataDir })
  const holder = new pg.Client({ connectionString: stack.databaseUrl })
  await holder.connect()
  try {
    await holder.query('begin')
    await holder.query(
      `insert into idempotency_keys (subject, key, fingerprint, status, body) values ('dev|producer', 'held', 'x', 201, '{}')`,
    )
    for (const [plural, body] of registered.map(({ many, examples }) => [many, examples.create(1)] as const)) {
      const { response } = await expectStatus(
        contract,
        409,
        stack.base,
        'POST',
        `/${plural}`,
        sendJson(token, body, { 'Idempotency-Key': 'held' }),
      )
      check(`… POST /${plural} with Retry-After`, response.headers.get('Retry-After') !== null)
    }
  } finally {
    await holder.query('rollback')
    await holder.end()
  }
}

/** The castings' and webhooks' bodies; every other operation with a body is a resource's create or change, sent its example. */
const CASTING_BODIES: Record<string, unknown> = {
  'PUT /movies/{id}/actors': { cast: [{ actor_id: 1 }] },
  'POST /webhooks': { url: 'https://example.com/hook', types: ['*'] },
  'PATCH /webhooks/{id}': { enabled: true },
}

/** One well-formed request per documented protected operation, every id 1; under a fault each must answer 503. */
function everyOperation(contract: Contract, token: string) {
  const open = ['/health', '/openapi.json', '/docs', '/docs/scalar.js']
  return Object.entries(contract.document.paths)
    .filter(([path]) => !open.includes(path))
    .flatMap(([path, operations]) =>
      Object.keys(operations).map((lower) => {
        const method = lower.toUpperCase()
        const resource = registered.find(({ many }) => path === `/${many}` || path === `/${many}/{id}`)
        const body =
          CASTING_BODIES[`${method} ${path}`] ??
          (method === 'POST' && resource && !path.includes('{') ? resource.examples.create(1) : undefined) ??
          (method === 'PATCH' && resource ? resource.examples.update : undefined)
        // A delivery's cursor: the feed position (1, 1).
        const url = path.replace('{event_cursor}', 'ZTEuMS4x').replace(/\{\w+\}/g, '1')
        return [method, url, body === undefined ? bearer(token) : sendJson(token, body)] as const
      }),
    )
}

/**
 * The rate limit's 429, where the document lists it: one token subject (used
 * nowhere else) spends its allowance, then every operation answers 429.
 */
async function rateLimited(contract: Contract, stack: Stack) {
  if (!contract.coverage().some(({ pair }) => pair.endsWith(' 429'))) return
  const token = await mintDevToken('director', { folder: stack.dataDir, permissions: [...ROLES.producer] })
  let status = 0
  for (let sent = 0; sent < 5_000 && status !== 429; sent++) status = (await fetch(`${stack.base}/actors`, bearer(token))).status
  for (const [method, path, init] of everyOperation(contract, token)) await expectStatus(contract, 429, stack.base, method, path, init)
}

/** A TCP relay whose connections can all be cut at once, as a database that goes away. */
async function cuttableRelay(target: URL) {
  const sockets = new Set<Socket>()
  // The embedded database is on a Unix socket (`?host=<folder>`); a server on a host and port.
  const { host, port } = databaseTarget(target.href)
  const server: Server = createServer((client) => {
    const upstream = host.startsWith('/') ? connect(join(host, `.s.PGSQL.${port}`)) : connect(port, host)
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a)
      a.pipe(b)
      a.on('error', () => b.destroy())
      a.on('close', () => {
        sockets.delete(a)
        b.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port: relayPort } = server.address() as { port: number }
  return {
    url: Object.assign(new URL(target), { host: `127.0.0.1:${relayPort}`, search: '' }).toString(),
    cut: async () => {
      const closed = new Promise((resolve) => server.close(resolve))
      for (const socket of sockets) socket.destroy()
      await closed
    },
  }
}

const stacks: Stack[] = []
let contract: Contract | undefined
let scratch: ScratchDatabase | undefined
const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
try {
  // Three stacks start at once (each spends seconds building and booting); the fourth needs the first's database.
  scratch = await createScratchDatabase(SERVER_URL, 'casting_contract')
  const starting = [
    startDevServer(),
    // A create waiting on a key another request holds: on a scratch database of the PostgreSQL server.
    startDevServer({ env: { DATABASE_URL: scratch.url } }),
    // The identity provider unreachable, and so no key cached: every protected route answers 503.
    startDevServer({
      env: {
        AUTH0_ISSUER: DEV_ISSUER,
        AUTH0_AUDIENCE: DEV_AUDIENCE,
        AUTH0_JWKS_URL: `http://127.0.0.1:${await freePort()}/.well-known/jwks.json`,
      },
    }),
  ] as const
  // Each started one is stopped at the end, even when another failed to start.
  const started = await Promise.allSettled(starting)
  for (const result of started) if (result.status === 'fulfilled') stacks.push(result.value)
  const [healthy, server, noIssuer] = await Promise.all(starting)
  contract = await loadContract(`${healthy.base}/openapi.json`)
  // The validator itself: it must flag what the document does not say, or its silence proves nothing.
  const json = new Headers({ 'Content-Type': 'application/json' })
  const flagged = [
    contract.check('GET', '/actors/1', 418, json, '{"success":false,"error":418,"message":"teapot"}'),
    contract.check('GET', '/actors/1', 200, json, '{"success":true,"actor":{"id":1}}'),
    contract.check('GET', '/actors/1', 304, new Headers(), ''),
    // A bulk create's ids with a single create's actor: neither branch of the oneOf.
    contract.check('POST', '/actors', 201, json, '{"success":true,"created":[1],"actor":{"id":1,"name":"A","age":1,"gender":"O"}}'),
    contract.check('GET', '/actors', 200, json, '{"success":true,"actors":[],"per_page":10,"total":0,"next_after":null}'),
  ]
  check(
    'the validator flags an undocumented status, a body off its schema (a cursor page with total too), a missing ETag, and a body that is neither form of a oneOf',
    flagged.every((e) => e.violations.length > 0),
    JSON.stringify(flagged),
  )
  await healthyStack(contract, healthy)
  await rateLimited(contract, healthy)

  await keyInProgress(contract, server)
  await feedPastRetention(contract, server)

  console.log('\nFaults: the Worker logs each 503 below as an error, as it should.')
  const unverifiable = await mintDevToken('producer', { folder: noIssuer.dataDir })
  for (const [method, path, init] of everyOperation(contract, unverifiable)) {
    const { body } = await expectStatus(contract, 503, noIssuer.base, method, path, init)
    if (path === '/actors' && method === 'GET')
      check('… with the authentication message', body.message === 'authentication service unavailable.')
  }

  // The database gone once the stack is up: every route that asks it answers 503.
  const relay = await cuttableRelay(new URL(healthy.databaseUrl))
  const noDatabase = await startDevServer({ env: { DATABASE_URL: relay.url } })
  stacks.push(noDatabase)
  const token = await mintDevToken('producer', { folder: noDatabase.dataDir })
  await relay.cut()
  await expectStatus(contract, 503, noDatabase.base, 'GET', '/health')
  for (const [method, path, init] of everyOperation(contract, token)) {
    const { body } = await expectStatus(contract, 503, noDatabase.base, method, path, init)
    if (path === '/actors' && method === 'GET') check('… with the database message', body.message === 'database unavailable.')
  }
} catch (error) {
  check('the contract run ran to the end', false, error instanceof Error ? (error.stack ?? error.message) : String(error))
} finally {
  for (const stack of stacks.reverse()) await stack.stop()
  await scratch?.drop()
}

if (contract) {
  const coverage = contract.coverage()
  console.log(`\nCoverage: documented (operation, status) pairs reached by the run\n${coverageTable(coverage)}\n`)
  const violations = contract.exchanges.filter((e) => e.violations.length > 0)
  console.log(`${contract.exchanges.length} responses validated against /openapi.json, ${violations.length} with violations`)
  const missed = coverage.filter((c) => !c.reached).map((c) => c.pair)
  check(
    `every documented (operation, status) pair reached (${coverage.length - missed.length} of ${coverage.length})`,
    missed.length === 0,
    `never reached: ${missed.join(', ')}`,
  )
}

finish()
