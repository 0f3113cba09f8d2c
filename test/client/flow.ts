// A front end's flow, written as its developer would against a client
// generated from /openapi.json by openapi-typescript (types) and openapi-fetch
// (calls): nothing here is ours but the document. `npm run test:client`
// generates ./generated/api.ts from a running `npm run dev`, type-checks this
// file under --strict, and runs it. A document that types a number as a
// string, demands the casting's optional body, omits If-None-Match or calls
// its error schema `Error` stops it compiling; one whose `servers` is no base
// URL stops it running.
import createClient from 'openapi-fetch'
import type { components, operations, paths } from './generated/api.ts'

/** The error envelope, by the name the document gives it. */
type ErrorEnvelope = components['schemas']['ErrorEnvelope']
type Actor = components['schemas']['Actor']

// What the document promises the types, checked by the compiler alone: a 304
// with its ETag and no body; operations by the names a person chose.
type Expect<Claim extends true> = Claim
export type NotModifiedIsTyped = Expect<
  paths['/actors/{id}']['get']['responses'][304] extends { headers: { ETag: string }; content?: never } ? true : false
>
export type OperationsAreNamed = Expect<
  'listActors' | 'getActor' | 'updateActor' | 'deleteActor' | 'listCast' | 'castActor' | 'uncastActor' extends keyof operations
    ? true
    : false
>

type Check = (name: string, ok: boolean, detail?: string) => void

/** The flow against `document`'s first server, with a bearer token; each step reports through `check`. */
export async function frontEndFlow(document: { servers?: { url: string }[] }, token: string, check: Check) {
  const baseUrl = document.servers?.[0]?.url ?? ''
  check('the document names an absolute server URL', /^https?:\/\//.test(baseUrl), `servers: ${JSON.stringify(document.servers)}`)
  // JSON only: the lists also offer `text/csv` (Accept), which a front end reading JSON asks openapi-fetch to leave out.
  const client = createClient<paths, 'application/json'>({ baseUrl, headers: { Authorization: `Bearer ${token}` } })

  // Create: three actors, to filter and walk.
  const people = [
    { name: 'Flow Ada', age: 36, gender: 'Female' },
    { name: 'Flow Grace', age: 45, gender: 'female' },
    { name: 'Flow Alan', age: 41, gender: 'Male' },
  ]
  const created: Actor[] = []
  for (const body of people) {
    const { data, response } = await client.POST('/actors', { body })
    // One object answers one actor; an array, many (a bulk create): the client narrows the oneOf.
    const actor = data && 'actor' in data ? data.actor : undefined
    check(
      `createActor ${body.name} → 201 with Location`,
      response.status === 201 && response.headers.get('Location') === `/actors/${actor?.id}`,
    )
    if (actor) created.push(actor)
  }
  const ids = created.map((actor) => actor.id)

  // List with filters, typed numbers and a sort: gender matches case-insensitively.
  const women = await client.GET('/actors', {
    params: { query: { q: 'flow', gender: 'FEMALE', min_age: 30, max_age: 50, sort: '-age', per_page: 5 } },
  })
  check(
    'listActors with filters and numbers → the two women, oldest first',
    women.data?.actors.map((actor) => actor.name).join() === 'Flow Grace,Flow Ada' && women.data.per_page === 5,
    JSON.stringify(women.data ?? women.error),
  )

  // Walk with the cursor: after=0 starts it, next_after continues it, null ends it.
  const walkFrom = (cursor: number) => client.GET('/actors', { params: { query: { q: 'Flow', after: cursor, per_page: 2 } } })
  const walked: number[] = []
  let after: number | null | undefined = 0
  for (let pages = 0; typeof after === 'number' && pages < 10; pages++) {
    const page = await walkFrom(after)
    if (!page.data) {
      check('listActors with after → 200', false, JSON.stringify(page.error))
      break
    }
    walked.push(...page.data.actors.map((actor) => actor.id))
    // A page read with after is the cursor form of the oneOf: next_after, no total.
    after = 'next_after' in page.data ? page.data.next_after : undefined
  }
  check('walks every actor with after, in id order, to next_after null', walked.join() === ids.join(), `walked ${walked}, created ${ids}`)
  const sortedWalk = await client.GET('/actors', { params: { query: { after: 0, sort: '-age' } } })
  check(
    "after with sort=-age → 400 with the contract's message",
    sortedWalk.response.status === 400 && sortedWalk.error?.message === 'sort must be id when after is given.',
  )

  // Read, then read again with If-None-Match: 304, no body.
  const id = ids[0] ?? 0
  const read = await client.GET('/actors/{id}', { params: { path: { id } } })
  const etag = read.response.headers.get('ETag') ?? ''
  check('getActor → 200 with a strong ETag', read.data?.actor.name === 'Flow Ada' && /^"[0-9a-f]{32}"$/.test(etag))
  const again = await client.GET('/actors/{id}', { params: { path: { id }, header: { 'If-None-Match': etag } } })
  check('getActor with If-None-Match → 304 with the ETag', again.response.status === 304 && again.response.headers.get('ETag') === etag)

  // Conditional update: the ETag it read, then the same one again, now stale.
  const updated = await client.PATCH('/actors/{id}', { params: { path: { id }, header: { 'If-Match': etag } }, body: { age: 37 } })
  check('updateActor with If-Match → 200, the new age', updated.data?.actor[0]?.age === 37)
  const stale = await client.PATCH('/actors/{id}', { params: { path: { id }, header: { 'If-Match': etag } }, body: { age: 38 } })
  check(
    'updateActor with a stale If-Match → 412 from the typed envelope',
    stale.response.status === 412 &&
      stale.error?.error === 412 &&
      stale.error.message === 'resource has changed; fetch it again and retry.',
  )

  // Castings: one without a body (fee null), then a fee of two decimals.
  const movie = await client.POST('/movies', { body: { title: 'Flow Movie', release_date: '1999-03-31' } })
  const path = { id: (movie.data && 'movie' in movie.data ? movie.data.movie.id : undefined) ?? 0, actor_id: id }
  const cast = await client.PUT('/movies/{id}/actors/{actor_id}', { params: { path } })
  check('castActor without a body → 201, fee null', cast.response.status === 201 && cast.data?.casting.fee === null)
  const paid = await client.PUT('/movies/{id}/actors/{actor_id}', { params: { path }, body: { fee: 19.99 } })
  check('castActor with a fee → 200, that fee', paid.response.status === 200 && paid.data?.casting.fee === 19.99)
  const members = await client.GET('/movies/{id}/actors', { params: { path: { id: path.id } } })
  check('listCast → the actor with the fee', members.data?.cast.map((member) => `${member.id}:${member.fee}`).join() === `${id}:19.99`)

  // A 422, read from the typed envelope.
  const invalid = await client.POST('/actors', { body: { name: 'Flow Too Old', age: 151 } })
  const envelope: ErrorEnvelope | undefined = invalid.error
  check(
    "createActor with age 151 → 422 with the contract's message",
    invalid.response.status === 422 && envelope?.success === false && envelope.message === 'age must be an integer between 0 and 150.',
  )

  // Delete: the casting, then the actors; a deleted one is a 404.
  const uncast = await client.DELETE('/movies/{id}/actors/{actor_id}', { params: { path } })
  check('uncastActor → 200', uncast.data?.deleted.actor_id === id)
  for (const actorId of ids) {
    const deleted = await client.DELETE('/actors/{id}', { params: { path: { id: actorId } } })
    check(`deleteActor ${actorId} → 200`, deleted.data?.deleted === actorId)
  }
  const gone = await client.GET('/actors/{id}', { params: { path: { id } } })
  check(
    'getActor of a deleted actor → 404',
    gone.response.status === 404 && gone.error?.message === `Actor with id ${id} not found in database.`,
  )
}
