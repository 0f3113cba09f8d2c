import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import { generateKeyPair } from 'jose'
import { describe, expect, inject, it } from 'vitest'
import type { Database as Db } from '../src/db/client'
import { castingFields } from '../src/db/fields'
import { castings, events } from '../src/db/schema'
import { app } from '../src/index'
import { contentHash } from '../src/queries/changes'
import type { DeclaredResource } from '../src/resources/declare'
import { fetchWorker, tokenFor, withDb } from './helpers'
import { foreignKeysOf, parentsFirst, registered, resourceOf } from './registry'
import { bodiesOf } from './values'

// Property-based fuzzing over every route: whatever arrives, the answer is
// never a 500 (nor a 503 while the database is up), every error is exactly the
// envelope, and a rejected request changes nothing.
//
// The seed is in the test's name; to replay a run: FUZZ_SEED=<seed> npm test -- test/fuzz.test.ts

const SEED = inject('fuzzSeed')
/**
 * Batches of requests; each fast-check run is one batch, so at least RUNS ×
 * MIN_BATCH = 5,000 requests (the floor asserted below), about 5,250 on average.
 */
const RUNS = 500
const MIN_BATCH = 10
const MAX_BATCH = 11

/** Rows of each resource before the first request, and castings (movie i, actor i). */
const SEEDED_ROWS = 12
const SEEDED_CASTINGS = 8

// ---- what a request is made of -------------------------------------------

/** Every route the app answers, as `[method, path pattern]`, read from the app itself. */
const ROUTES = [
  ...new Map(app.routes.filter((route) => route.method !== 'ALL').map((route) => [`${route.method} ${route.path}`, route])).values(),
].map((route) => [route.method, route.path] as const)

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

const edgeText = fc.constantFrom(
  '',
  ' ',
  '0',
  '1',
  '-1',
  '10',
  '100',
  '101',
  '150',
  '151',
  '1.5',
  '1e3',
  '01',
  '2147483647',
  '2147483648',
  '99999999999999999999',
  'abc',
  'null',
  'true',
  '[]',
  '{}',
  '-id',
  'name',
  '-age',
  'title',
  '-release_date',
  'fee',
  'cast',
  'movies',
  'Female',
  'Other',
  'ada',
  '%',
  '_',
  "O'Brien",
  '"quoted"',
  '\\',
  '\u0000',
  'nul\u0000inside',
  ' padded ',
  'é',
  '🎬',
  '2020-02-29',
  '2021-02-29',
  '2020-13-01',
  '0000-01-01',
  '9999-12-31',
  '2020-01-01T23:30:00+14:00',
  'Sun, 16 Feb 2020 00:00:00 GMT',
  'a'.repeat(100),
  'a'.repeat(101),
  'a'.repeat(200),
  'a'.repeat(201),
  'x'.repeat(2_000),
  // Every resource's sorts, either way, and what it embeds.
  ...new Set(registered.flatMap(({ sorts, include }) => [...sorts.flatMap((sort) => [sort, `-${sort}`]), include.name])),
)

const text = fc.oneof(edgeText, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }))

const idSegment = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: SEEDED_ROWS + 4 }).map(String) },
  { weight: 2, arbitrary: edgeText.map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }).map(encodeURIComponent) },
)

const knownPath = fc
  .constantFrom(...ROUTES)
  .chain(([method, pattern]) =>
    fc
      .tuple(...[...pattern.matchAll(/:\w+/g)].map(() => idSegment))
      .map((ids) => [method, ids.reduce<string>((path, id) => path.replace(/:\w+/, id), pattern)] as const),
  )

const unknownPath = fc.oneof(
  fc.constantFrom(
    '/',
    '/actor',
    '/actors/1/2',
    '/movies/1/actors/2/3',
    '/ACTORS',
    '/health/x',
    '/openapi.json/x',
    '/docs/x',
    '//actors',
    '/actors/%ZZ',
  ),
  fc.array(fc.string({ maxLength: 12 }).map(encodeURIComponent), { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
)

/** A method and a path: mostly a route as registered, sometimes another method on it, or a path that is no route. */
const target = fc.oneof(
  { weight: 8, arbitrary: knownPath },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom(...METHODS, 'HEAD', 'OPTIONS'),
      knownPath.map(([, path]) => path),
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...METHODS), unknownPath) },
)

const QUERY_KEYS = [
  ...new Set(['page', 'per_page', 'after', 'sort', ...registered.flatMap(({ filters }) => Object.keys(filters)), 'include', 'id', 'fee']),
]
const query = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...QUERY_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }),
      text,
    ),
    {
      maxLength: 4,
    },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${new URLSearchParams(pairs)}`))

const fieldValue = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 30, 150, 151, -1, 1.5, 12.34, 12.345, 0.001, 2_147_483_648, 1e308, -0) },
  { weight: 2, arbitrary: fc.integer({ min: -10, max: 200 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [1], { a: 1 }) },
)

/** An object with the real field names (every resource's, and a casting's), each present or not. */
const validish = fc.record(
  Object.fromEntries(
    [...new Set([...registered.flatMap(({ fields }) => Object.keys(fields)), ...Object.keys(castingFields)])].map((key) => [
      key,
      fieldValue,
    ]),
  ),
  { requiredKeys: [] },
)
/** Lists of those, as a bulk create or a cast replacement holds them, with other values among them. */
const validishList = fc.array(fc.oneof({ weight: 5, arbitrary: validish }, { weight: 1, arbitrary: fieldValue }), { maxLength: 6 })

const fee = fc.record({
  fee: fc.oneof(
    fc.constant(null),
    fc.integer({ min: 0, max: 1_000_000 }).map((cents) => cents / 100),
  ),
})

/** Each resource's creates and changes, by its path (`actors`). */
const bodies = new Map(
  registered.map((resource) => [resource.many, { create: bodiesOf(resource.create), change: bodiesOf(resource.update, true) }]),
)
const bodiesFor = (path: string) => bodies.get(resourceOf(path)?.many ?? '')

/** A cast replacement: distinct actor ids, some of which may not exist. */
const castList = fc
  .uniqueArray(fc.integer({ min: 1, max: SEEDED_ROWS + 4 }), { maxLength: 6 })
  .chain((ids) => fc.tuple(...ids.map((actor_id) => fee.map((f) => ({ actor_id, ...f })))))
  .map((cast) => ({ cast }))

/** Bodies some route would accept, sent to any route. */
const valid = fc.oneof(
  ...[...bodies.values()].flatMap(({ create, change }) => [create, change, fc.array(create, { minLength: 1, maxLength: 4 })]),
  fee,
  castList,
)

/** The body each route accepts, so that writes succeed too and the tables move. */
function acceptedBody(method: string, pattern: string): fc.Arbitrary<string | undefined> {
  const json = (arbitrary: fc.Arbitrary<unknown>) => arbitrary.map((value) => JSON.stringify(value))
  const own = bodiesFor(pattern)
  if (method === 'PUT' && pattern === '/movies/:id/actors') return json(castList)
  if (method === 'PUT') return fc.option(json(fee), { nil: undefined })
  if (own && method === 'POST' && pattern.split('/').length === 2)
    return json(fc.oneof(own.create, fc.array(own.create, { minLength: 1, maxLength: 5 })))
  if (own && method === 'PATCH') return json(own.change)
  return fc.constant(undefined)
}

const body = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: valid.map((value) => JSON.stringify(value)) },
  { weight: 8, arbitrary: validish.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: validishList.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: validishList.map((cast) => JSON.stringify({ cast })) },
  { weight: 1, arbitrary: fc.constant(JSON.stringify(Array.from({ length: 101 }, (_, i) => ({ name: `N${i}`, age: 1 })))) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '{}', '[]', 'null', '{"name":', '{"name":"Ada","name":"Bea","age":3}', '\u0000') },
  { weight: 1, arbitrary: fc.constant(JSON.stringify({ name: 'x'.repeat(70_000), age: 1 })) },
)

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/vnd.api+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'json',
      '',
    ),
  },
)

const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/)
const entityTags = fc.oneof(
  fc.constantFrom('*', '', 'W/"x"', '"', '""', 'garbage', '"a,b"', ` ${'"x", '.repeat(20)}"y"`, `"${'e'.repeat(2_100)}"`),
  fc
    .array(
      hex32.map((tag) => `"${tag}"`),
      { minLength: 1, maxLength: 20 },
    )
    .map((tags) => tags.join(', ')),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
)

const headers = fc.record(
  {
    'If-Match': entityTags,
    'If-None-Match': entityTags,
    'X-Request-Id': fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
    Origin: fc.constantFrom('https://app.example.com', 'https://evil.example', 'null'),
  },
  { requiredKeys: [] },
)

type Request = {
  method: string
  path: string
  query: string
  auth?: string
  body?: string
  contentType?: string
  headers: Record<string, string>
}

/** Authorization header values: valid tokens of each role (several subjects each), and broken ones. */
async function authorizations() {
  // Enough subjects that none nears the rate limit of 600 a minute: a 429 would end a request early.
  const several = (role: 'assistant' | 'director' | 'producer', count: number) =>
    Promise.all(Array.from({ length: count }, () => tokenFor(role)))
  const producers = await several('producer', 20)
  const valid = [...(await several('assistant', 8)), ...(await several('director', 8)), ...producers]
  const now = Math.floor(Date.now() / 1000)
  const strangers = await generateKeyPair('RS256')
  const broken = await Promise.all([
    tokenFor(null),
    tokenFor('producer', { permissions: undefined }),
    tokenFor('producer', { permissions: 'create:actors' }),
    tokenFor('producer', { expiresIn: now - 3_600 }),
    tokenFor('producer', { header: { kid: 'unknown-kid' } }),
    tokenFor('producer', { key: strangers.privateKey }),
    tokenFor('producer', { claims: { aud: 'someone-else' } }),
  ])
  const [head, payload, signature] = valid[0]!.split('.')
  return {
    valid: valid.map((token) => `Bearer ${token}`),
    producers: producers.map((token) => `Bearer ${token}`),
    broken: [
      ...broken.map((token) => `Bearer ${token}`),
      `Bearer ${head}.${payload}x.${signature}`,
      `bearer ${valid[1]}`,
      `Bearer ${valid[2]} extra`,
      `Basic ${btoa('user:pass')}`,
      'Bearer',
      'Bearer not.a.jwt',
      `Bearer ${'a'.repeat(9_000)}`,
      '',
    ],
  }
}

function requests(auth: Awaited<ReturnType<typeof authorizations>>) {
  const authorization = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...auth.valid) },
    { weight: 3, arbitrary: fc.constantFrom(...auth.broken) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  )
  const wild: fc.Arbitrary<Request> = fc
    .record({ target, query, auth: authorization, body, contentType, headers })
    .map(({ target: [method, path], ...rest }) => ({ method, path, ...rest }))
  // What a correct client sends: the route's own body, a token allowed to, ids that may exist.
  const wellFormed: fc.Arbitrary<Request> = fc.constantFrom(...ROUTES).chain(([method, pattern]) =>
    fc
      .record({
        ids: fc.tuple(...[...pattern.matchAll(/:\w+/g)].map(() => fc.integer({ min: 1, max: SEEDED_ROWS + 8 }))),
        auth: fc.constantFrom(...auth.producers),
        body: acceptedBody(method, pattern),
        headers: fc.record({ 'If-Match': fc.constant('*') }, { requiredKeys: [] }),
      })
      .map(({ ids, body, ...rest }) => ({
        method,
        path: ids.reduce<string>((path, id) => path.replace(/:\w+/, String(id)), pattern),
        query: '',
        body,
        contentType: body === undefined ? undefined : 'application/json',
        ...rest,
      })),
  )
  const request = fc.oneof({ weight: 3, arbitrary: wild }, { weight: 2, arbitrary: wellFormed })
  return fc.array(request, { minLength: MIN_BATCH, maxLength: MAX_BATCH })
}

function send({ method, path, query, auth, body, contentType, headers }: Request) {
  const all: Record<string, string> = { ...headers }
  if (auth !== undefined) all.Authorization = auth
  if (contentType !== undefined) all['Content-Type'] = contentType
  const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD'
  return fetchWorker(new Request(`https://api.test${path}${query}`, { method, headers: all, body: hasBody ? body : undefined }))
}

// ---- what must hold -------------------------------------------------------

/**
 * Every row of every registered table and of castings as `key → digest`
 * (`actor1`, `movie1`, `casting1:2`) of all its fields (src/db/fields.ts), in
 * one statement, so the picture is of one moment.
 */
async function snapshot(db: Db) {
  const { rows } = await db.execute<{ key: string; digest: string }>(sql`
    ${sql.join(
      registered.map(({ one, table, fields }) => sql`select ${one} || ${fields.id} as key, ${contentHash(fields)} as digest from ${table}`),
      sql` union all `,
    )}
    union all select 'casting' || ${castings.movie_id} || ':' || ${castings.actor_id}, ${contentHash(castingFields)} from ${castings}`)
  return new Map(rows.map(({ key, digest }) => [key, digest]))
}

/** The events recorded after event `after`, as the snapshot's keys of the rows they are about (a resource's own id is its `<one>_id`). */
async function eventsSince(db: Db, after: number) {
  const { rows } = await db.execute<{ id: number; key: string }>(sql`
    select ${events.id}::integer as id, case ${events.resource}
      when 'casting' then 'casting' || (${events.keys} ->> 'movie_id') || ':' || (${events.keys} ->> 'actor_id')
      else ${events.resource} || (${events.keys} ->> (${events.resource} || '_id')) end as key
    from ${events} where ${events.id} > ${after} order by ${events.id}`)
  return { keys: new Set(rows.map((r) => r.key)), count: rows.length, last: rows.at(-1)?.id ?? after }
}

/** The rows added, changed or removed between two snapshots. */
function changedRows(before: Map<string, string>, after: Map<string, string>) {
  return [...new Set([...before.keys(), ...after.keys()])].filter((key) => before.get(key) !== after.get(key))
}

/**
 * Which rows a write that succeeded may have changed: the resource it names
 * (or created, one or many), for a deleted actor or movie its castings, and
 * for a cast replacement the movie's castings.
 */
async function mayChange(method: string, path: string, response: Response): Promise<(key: string) => boolean> {
  const created = response.status === 201 && method === 'POST' ? response.headers.get('Location') : null
  const resource = resourceOf(created ?? path)
  if (response.status === 201 && method === 'POST' && !created) {
    const ids = new Set(((await response.clone().json()) as { created: number[] }).created.map((id) => `${resource?.one}${id}`))
    return (key) => ids.has(key)
  }
  const [, , id, rest, actorId] = (created ?? path).split('/')
  if (resource?.many === 'movies' && rest === 'actors' && actorId === undefined && method === 'PUT')
    return (key) => key.startsWith(`casting${id}:`)
  if (!resource) return () => false
  if (actorId !== undefined) return (key) => key === `casting${id}:${actorId}`
  const own = `${resource.one}${id}`
  // A casting's sides: the castings of an actor end with its id, a movie's start with it; no other resource has any.
  const castingsOf = (key: string) =>
    key.startsWith('casting') &&
    ((resource.many === 'actors' && key.endsWith(`:${id}`)) || (resource.many === 'movies' && key.startsWith(`casting${id}:`)))
  // A delete takes the resource's castings with it; a restore brings them back.
  const cascades = method === 'DELETE' || path.endsWith('/restore')
  // A delete sets the foreign keys that name it to null (on delete set null): a row of a resource with such a key may change.
  const referencing =
    method === 'DELETE' ? registered.filter((other) => foreignKeysOf(other).some(({ parent }) => parent === resource)) : []
  const refersToIt = (key: string) => referencing.some(({ one }) => new RegExp(`^${one}\\d+$`).test(key))
  return (key) => key === own || (cascades && castingsOf(key)) || refersToIt(key)
}

async function expectAnswer(request: Request, response: Response) {
  const where = `${request.method} ${request.path}${request.query}`
  expect(response.status, where).not.toBe(500)
  expect(response.status, `${where} (the database is up)`).not.toBe(503)
  expect(response.status, where).toBeLessThan(500)
  if (response.status < 400 || request.method === 'HEAD') {
    await response.body?.cancel()
    return
  }
  expect(response.headers.get('Content-Type'), where).toMatch(/^application\/json/)
  const body = await response.json()
  expect(body, where).toEqual({ success: false, error: response.status, message: expect.any(String) })
  expect((body as { message: string }).message.length, where).toBeGreaterThan(0)
}

/**
 * SEEDED_ROWS valid creates of each resource, drawn from the run's seed, and
 * the castings (movie i, actor i). A resource is seeded after those its foreign
 * keys name, and a drawn foreign key (a number, which would name no row, and
 * the database refuses) is replaced by one of the seeded rows of its parent,
 * or stays null.
 */
async function seed(db: Db) {
  const seeded = new Map<DeclaredResource, number[]>()
  for (const resource of parentsFirst()) {
    const { many, table, create, fields } = resource
    const drawn = fc.sample(bodies.get(many)!.create, { seed: SEED + registered.indexOf(resource), numRuns: SEEDED_ROWS })
    const ids: number[] = []
    for (const row of drawn) {
      const values: Record<string, unknown> = create.parse(row)
      for (const { field, parent } of foreignKeysOf(resource)) {
        const parents = seeded.get(parent) ?? []
        if (typeof values[field] === 'number') values[field] = parents.length ? parents[values[field] % parents.length] : null
      }
      // A drawn row may repeat another's unique field: it is left out, and its id stays unused.
      const inserted = await db.insert(table).values(values).onConflictDoNothing().returning({ id: fields.id })
      ids.push(...inserted.map(({ id }) => Number(id)))
    }
    seeded.set(resource, ids)
  }
  await db
    .insert(castings)
    .values(Array.from({ length: SEEDED_CASTINGS }, (_, i) => ({ movie_id: i + 1, actor_id: i + 1, fee: i % 2 ? null : 1000 + i })))
}

describe('fuzzing every route', () => {
  it(`never answers 500, always the envelope, and a rejected request writes nothing (seed ${SEED})`, { timeout: 300_000 }, async () => {
    const auth = await authorizations()
    let sent = 0
    let written = 0
    let events = 0
    const statuses: Record<number, number> = {}
    await withDb(async (db) => {
      await seed(db)
      let before = await snapshot(db)
      let lastEvent = (await eventsSince(db, 0)).last
      await fc.assert(
        // A batch goes at once, as clients do; then every row that changed must
        // belong to a write in it that succeeded. A rejected one changed nothing.
        fc.asyncProperty(requests(auth), async (batch) => {
          const writes: ((key: string) => boolean)[] = []
          await Promise.all(
            batch.map(async (request) => {
              const response = await send(request)
              sent++
              statuses[response.status] = (statuses[response.status] ?? 0) + 1
              if (WRITES.has(request.method) && response.status < 300) {
                written++
                writes.push(await mayChange(request.method, request.path, response))
              }
              await expectAnswer(request, response)
            }),
          )
          const after = await snapshot(db)
          const changed = changedRows(before, after)
          const where = JSON.stringify(batch.map((r) => `${r.method} ${r.path}`))
          const unexplained = changed.filter((key) => !writes.some((allowed) => allowed(key)))
          expect(unexplained, `rows changed by no successful write in ${where}`).toEqual([])
          // The history (API.md C4): no write without its event, no event without a write.
          const recorded = await eventsSince(db, lastEvent)
          lastEvent = recorded.last
          expect(
            changed.filter((key) => !recorded.keys.has(key)),
            `rows changed without an event in ${where}`,
          ).toEqual([])
          expect(
            [...recorded.keys].filter((key) => !writes.some((allowed) => allowed(key))),
            `events of no successful write in ${where}`,
          ).toEqual([])
          events += recorded.count
          before = after
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      )
    })
    console.log(JSON.stringify({ fuzz: { seed: SEED, requests: sent, successfulWrites: written, events, statuses } }))
    expect(events).toBeGreaterThan(0)
    expect(sent).toBeGreaterThanOrEqual(5_000)
    // Spread over subjects that stay under the limit, no request was limited.
    expect(statuses[429]).toBeUndefined()
  })
})
