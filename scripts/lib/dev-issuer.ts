import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose'
import { ROLES, type Role } from '../../src/auth/permissions.ts'
import { explicitConfig } from './dev-vars.ts'
import { dataDir } from './paths.ts'

// A stand-in for Auth0 on a developer's machine: a key pair kept in .data/,
// its public half served as a JWKS. The Worker has no idea; it is configured
// with this issuer exactly as it would be with a real tenant.

export const DEV_ISSUER = 'https://dev-issuer.localhost/'
export const DEV_AUDIENCE = 'casting-agency-api'

type KeyFile = { kid: string; privateJwk: JWK; publicJwk: JWK }

async function loadOrCreateKeys(folder: string): Promise<KeyFile> {
  const keyFile = join(folder, 'dev-issuer.json')
  if (existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, 'utf8')) as KeyFile
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const kid = `dev-${crypto.randomUUID()}`
  const keys: KeyFile = {
    kid,
    privateJwk: await exportJWK(privateKey),
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  }
  mkdirSync(folder, { recursive: true, mode: 0o700 })
  writeFileSync(keyFile, JSON.stringify(keys), { mode: 0o600 })
  return keys
}

export async function startDevIssuer(folder: string) {
  const keys = await loadOrCreateKeys(folder)
  const body = JSON.stringify({ keys: [keys.publicJwk] })
  // The keys are public, but nothing the dev stack serves answers another local user without a secret (API.md D5).
  const jwksPath = `/${randomBytes(24).toString('base64url')}/.well-known/jwks.json`
  const server = createServer((request, response) => {
    if (request.url === jwksPath) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(body)
    } else {
      response.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    config: {
      AUTH0_ISSUER: DEV_ISSUER,
      AUTH0_AUDIENCE: explicitConfig().AUTH0_AUDIENCE ?? DEV_AUDIENCE,
      AUTH0_JWKS_URL: `http://127.0.0.1:${port}${jwksPath}`,
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/**
 * A token for the development issuer with the permissions of one role (or
 * exactly `permissions`, to show what a token without some looks like);
 * `folder` is that dev's data folder, `subject` the token's `sub` (rate limits count per subject).
 */
export async function mintDevToken(
  role: Role,
  { folder = dataDir, permissions = [...ROLES[role]] as string[], subject = `dev|${role}` } = {},
) {
  const keys = await loadOrCreateKeys(folder)
  const key = await importJWK(keys.privateJwk, 'RS256')
  return new SignJWT({ permissions })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keys.kid })
    .setIssuer(DEV_ISSUER)
    .setAudience(explicitConfig().AUTH0_AUDIENCE ?? DEV_AUDIENCE)
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime('24h')
    .sign(key)
}
