// Runs in Node, before any test file: starts the database (PGlite in memory, or
// a fresh database on TEST_DATABASE_URL's server), the local SQL-over-HTTP
// endpoint in front of it, and a stand-in for Auth0's JWKS endpoint; hands their addresses to the Worker's
// bindings and to the tests through `provide`.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { exportJWK, generateKeyPair } from 'jose'
import type { TestProject } from 'vitest/node'
import { databaseTarget } from '../scripts/lib/dev-vars.ts'
import { root } from '../scripts/lib/paths.ts'
import { PGLITE_CONNECTIONS } from '../scripts/lib/pglite.ts'
import { type EndpointMode, startSqlEndpoint } from '../scripts/lib/sql-endpoint.ts'
import { startTestDatabaseInBackground } from './node/test-database.ts'
import { closeReceivers, handleReceivers } from './receivers.ts'

export const TEST_KID = 'test-key-1'

export default async function setup(project: TestProject) {
  // What wrangler.toml's [build] runs before `wrangler dev` and deploys (the plugin does not): the docs
  // page's script, and /openapi.json generated from the routes as they are now.
  execFileSync(process.execPath, ['scripts/assets.ts'], { cwd: root, stdio: 'inherit' })
  const teardowns: Array<() => Promise<unknown>> = []

  // PGlite starts while the Worker's runtime does (each takes seconds); the
  // first test's setDatabase('up') waits until it answers.
  const database = await startTestDatabaseInBackground()
  teardowns.push(() => database.close())
  const databaseUrl = database.url

  // PGlite is one backend: its socket server interleaves the protocol messages of several connections, so one
  // connection's unnamed statement can be replaced by another's mid-query. One pooled connection keeps them apart.
  const poolSize = process.env.TEST_DATABASE_URL ? undefined : PGLITE_CONNECTIONS
  const endpoint = await startSqlEndpoint({ target: databaseTarget(databaseUrl), poolSize })
  teardowns.push(() => endpoint.close())

  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid: TEST_KID, alg: 'RS256', use: 'sig' }
  const services = await startServices(
    JSON.stringify({ keys: [publicJwk] }),
    async (mode) => {
      await database.ready
      await endpoint.setMode(mode)
    },
    () => endpoint.stats(true),
  )
  teardowns.push(() => services.close())
  teardowns.push(closeReceivers)

  project.provide('bindings', {
    DATABASE_URL: databaseUrl,
    DATABASE_HTTP_ENDPOINT: endpoint.url,
    AUTH0_DOMAIN: 'casting-agency.test.auth0.example',
    AUTH0_AUDIENCE: 'https://casting-agency.test/api',
    AUTH0_ISSUER: '',
    AUTH0_JWKS_URL: `${services.url}/jwks.json`,
    CORS_ORIGINS: 'https://app.example.com,https://admin.example.com',
    // Webhooks (API.md D6): a key of this run's own, receivers on 127.0.0.1, retries a second apart at first.
    WEBHOOK_ENCRYPTION_KEY: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64'),
    WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true',
    WEBHOOK_RETRY_BASE_SECONDS: '1',
  })
  project.provide('signingKey', { ...(await exportJWK(privateKey)), kid: TEST_KID })
  project.provide('servicesUrl', services.url)
  // Tests that need concurrent transactions run only on a server: PGlite runs one transaction at a time.
  project.provide('onServer', Boolean(process.env.TEST_DATABASE_URL))
  // For test/openapi.test.ts: the endpoint table of docs/endpoints.md, checked against the document.
  project.provide('endpointTable', readFileSync(join(root, 'docs/endpoints.md'), 'utf8'))

  return async () => {
    for (const teardown of teardowns.reverse()) await teardown()
  }
}

/**
 * The parts outside our control, with their failure modes on demand:
 * - GET /jwks.json: the tenant's keys; /jwks-500.json answers 500;
 *   /jwks-hang.json never answers; /jwks-flaky.json?case=… serves the keys
 *   until POST /jwks-flaky/down?case=… makes it answer 500;
 *   GET /hits?path=… counts requests to a path.
 * - POST /database/up|down|hang|error|garbled: how the SQL endpoint answers.
 * - POST /database-stats: the endpoint's round trips and statements since the last call.
 * - /receivers…: webhook receivers the tests script (test/receivers.ts).
 */
async function startServices(
  jwks: string,
  setDatabaseMode: (mode: EndpointMode) => Promise<void>,
  databaseStats: () => { requests: number; statements: number },
) {
  const hits = new Map<string, number>()
  const downCases = new Set<string>()
  const hanging = new Set<ServerResponse>()
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://services')
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1)
    const json = (status: number, body: string) => response.writeHead(status, { 'content-type': 'application/json' }).end(body)
    if (url.pathname.startsWith('/receivers')) {
      let body = ''
      for await (const chunk of request) body += chunk
      const [status, answer] = (await handleReceivers(request.method ?? 'GET', url.pathname, body)) ?? [404, {}]
      return json(status, JSON.stringify(answer))
    }
    if (request.method === 'POST' && url.pathname.startsWith('/database/')) {
      try {
        await setDatabaseMode(url.pathname.slice('/database/'.length) as EndpointMode)
      } catch (error) {
        // PGlite failed to start, say: the test that asked fails now, with the cause in the output.
        console.error(error)
        return json(500, JSON.stringify({ error: String(error) }))
      }
      return json(200, '{}')
    }
    if (request.method === 'POST' && url.pathname === '/database-stats') return json(200, JSON.stringify(databaseStats()))
    if (request.method === 'POST' && url.pathname === '/jwks-flaky/down') {
      downCases.add(url.searchParams.get('case') ?? '')
      return json(200, '{}')
    }
    switch (url.pathname) {
      case '/jwks.json':
        return json(200, jwks)
      case '/jwks-flaky.json':
        return downCases.has(url.searchParams.get('case') ?? '') ? json(500, '{"error":"down"}') : json(200, jwks)
      case '/jwks-500.json':
        return json(500, '{"error":"internal"}')
      case '/jwks-hang.json':
        hanging.add(response)
        return
      case '/hits':
        return json(200, JSON.stringify({ hits: hits.get(url.searchParams.get('path') ?? '') ?? 0 }))
      default:
        return json(404, '{}')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    bindings: Record<string, string>
    signingKey: import('jose').JWK
    servicesUrl: string
    /** Whether the database is a PostgreSQL server (TEST_DATABASE_URL), not PGlite. */
    onServer: boolean
    endpointTable: string
    /** Set in vitest.config.ts: the seed of test/fuzz.test.ts. */
    fuzzSeed: number
  }
}
