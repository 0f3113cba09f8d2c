// `npm run test:browser`, second part: a front end on another origin, as a
// browser runs it (API.md D5, "Browsers can use every feature"). A page served
// by a node:http server on its own port, which `npm run dev` lists in
// CORS_ORIGINS, runs from its own script against the Worker: a keyed create
// and its replay, a read with its ETag, a revalidation, a conditional PATCH
// and the same PATCH with the stale tag. Every header it reads, it reads
// through CORS, so a header the API forgets to allow or expose fails here as
// it would fail a front end. The same page from an origin not listed is refused.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import { createChecks } from '../../scripts/lib/checks.ts'
import { mintDevToken } from '../../scripts/lib/dev-issuer.ts'
import { startDevServer } from '../../scripts/lib/dev-server.ts'

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const { check, finish } = createChecks()

/**
 * The front end: it reads the API's origin and a token from its URL's
 * fragment (never sent to its server), runs the flow, and leaves what it saw
 * in `window.flow` (or `window.flowError`), as its own UI would show it.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Casting front end</title>
<script type="module">
  const params = new URLSearchParams(location.hash.slice(1))
  const api = params.get('api')
  const auth = { Authorization: 'Bearer ' + params.get('token') }
  const json = { ...auth, 'Content-Type': 'application/json' }
  const seen = (response) => ({
    status: response.status,
    location: response.headers.get('Location'),
    etag: response.headers.get('ETag'),
    requestId: response.headers.get('X-Request-Id'),
    replayed: response.headers.get('Idempotent-Replayed'),
  })
  try {
    const key = 'page-' + crypto.randomUUID()
    const body = JSON.stringify({ name: 'Cross Origin', age: 33 })
    const create = () => fetch(api + '/actors', { method: 'POST', headers: { ...json, 'Idempotency-Key': key }, body })
    const created = seen(await create())
    const replay = await fetch(api + '/actors', {
      method: 'POST',
      headers: { ...json, 'Idempotency-Key': key, 'X-Request-Id': 'page-replay-1' },
      body,
    })
    const replayed = { ...seen(replay), body: await replay.json() }
    const actorUrl = new URL(created.location, api).href
    const read = seen(await fetch(actorUrl, { headers: auth }))
    const revalidated = seen(await fetch(actorUrl, { headers: { ...auth, 'If-None-Match': read.etag } }))
    const patch = (etag) => fetch(actorUrl, { method: 'PATCH', headers: { ...json, 'If-Match': etag }, body: JSON.stringify({ age: 34 }) })
    const patched = seen(await patch(read.etag))
    const stale = { ...seen(await patch(read.etag)) }
    window.flow = { origin: location.origin, created, replayed, read, revalidated, patched, stale }
  } catch (error) {
    window.flowError = String(error)
  }
</script>
`

/** A server for the page alone, on a port of its own: another origin than the Worker's. */
async function servePage() {
  const server: Server = createServer((_, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

type Seen = { status: number; location: string | null; etag: string | null; requestId: string | null; replayed: string | null }
type Flow = { origin: string; created: Seen; replayed: Seen & { body: unknown }; read: Seen; revalidated: Seen; patched: Seen; stale: Seen }

let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined
let dev: Awaited<ReturnType<typeof startDevServer>> | undefined
const front = await servePage()
const unlisted = await servePage()

try {
  dev = await startDevServer({ env: { CORS_ORIGINS: front.origin } })
  const token = await mintDevToken('producer', { folder: dev.dataDir })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })

  const runPage = async (origin: string) => {
    const page = await browser!.newPage()
    await page.goto(`${origin}/#${new URLSearchParams({ api: dev!.base, token })}`, { waitUntil: 'load' })
    await page.waitForFunction('window.flow || window.flowError', undefined, { timeout: 20_000 })
    const outcome = (await page.evaluate('({ flow: window.flow, error: window.flowError })')) as { flow?: Flow; error?: string }
    await page.close()
    return outcome
  }

  const { flow, error } = await runPage(front.origin)
  check(
    `the page on ${front.origin} runs its flow against ${dev.base}`,
    flow !== undefined && flow.origin !== new URL(dev.base).origin,
    error,
  )
  if (flow) {
    const { created, replayed, read, revalidated, patched, stale } = flow
    check(
      'a keyed create (Idempotency-Key sent) answers 201 and the page reads Location and X-Request-Id',
      created.status === 201 && /^\/actors\/\d+$/.test(created.location ?? '') && /^[0-9a-f-]{36}$/.test(created.requestId ?? ''),
      JSON.stringify(created),
    )
    check(
      'its replay answers 201 again, and the page reads Idempotent-Replayed: true, the same Location and its own X-Request-Id',
      replayed.status === 201 &&
        replayed.replayed === 'true' &&
        replayed.location === created.location &&
        replayed.requestId === 'page-replay-1',
      JSON.stringify(replayed),
    )
    check('the page reads the ETag of the created actor', read.status === 200 && /^"[^"]+"$/.test(read.etag ?? ''), JSON.stringify(read))
    check('If-None-Match with that tag answers 304', revalidated.status === 304, JSON.stringify(revalidated))
    check(
      'a PATCH with If-Match and that tag answers 200 with a new ETag',
      patched.status === 200 && patched.etag !== null && patched.etag !== read.etag,
      JSON.stringify(patched),
    )
    check('the same PATCH with the stale tag answers 412', stale.status === 412, JSON.stringify(stale))
  }

  // The control: the same page from an origin not in CORS_ORIGINS gets nothing at all.
  const refused = await runPage(unlisted.origin)
  check(
    `the same page on ${unlisted.origin}, not in CORS_ORIGINS, is refused by the browser`,
    refused.flow === undefined && /TypeError|Failed to fetch/.test(refused.error ?? ''),
    JSON.stringify(refused),
  )
} catch (error) {
  check('the cross-origin check ran to the end', false, String(error))
} finally {
  await browser?.close()
  await dev?.stop()
  front.server.close()
  unlisted.server.close()
}

finish()
