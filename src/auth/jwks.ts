import { createLocalJWKSet, createRemoteJWKSet, type ExportedJWKSCache, errors, type JWTVerifyGetKey, jwksCache } from 'jose'
import { authServiceUnavailable } from '../errors.ts'

/** How long the identity provider may take to answer (API.md section 2). */
const FETCH_TIMEOUT_MS = 5_000
/** jose's default cooldown; also how long we stop asking after a failed fetch. */
const COOLDOWN_MS = 30_000

// Key sets live at module scope, so an isolate fetches its JWKS once and every
// request it serves reuses the keys. One per URL: configuration is per deploy.
const keySets = new Map<string, JWTVerifyGetKey>()

/**
 * The keys of a JWKS endpoint, fetched and cached by jose, with one addition:
 * once keys have been fetched, an outage of the identity provider does not
 * stop valid tokens. A failed refresh falls back to the keys already held,
 * and for a cooldown period no request waits on the provider again.
 */
export function keySetFor(url: string): JWTVerifyGetKey {
  let keySet = keySets.get(url)
  if (keySet) return keySet

  // jose writes each fetched JWKS and its time here; the fallback reads them.
  const cache: Partial<ExportedJWKSCache> = {}
  const remote = createRemoteJWKSet(new URL(url), {
    timeoutDuration: FETCH_TIMEOUT_MS,
    cooldownDuration: COOLDOWN_MS,
    [jwksCache]: cache as Record<string, never>,
  })
  let failedAt = Number.NEGATIVE_INFINITY
  let fallback: { uat: number; keys: JWTVerifyGetKey } | undefined
  const cachedKeys = () => {
    const { jwks, uat } = cache
    if (!jwks || uat === undefined) return undefined
    if (fallback?.uat !== uat) fallback = { uat, keys: createLocalJWKSet(jwks) }
    return fallback.keys
  }

  keySet = async (header, token) => {
    if (Date.now() - failedAt < COOLDOWN_MS) {
      const cached = cachedKeys()
      if (cached) return cached(header, token)
    }
    try {
      return await remote(header, token)
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error
      // Timed out, refused, a non-200 answer, or not a JWKS at all.
      failedAt = Date.now()
      const cached = cachedKeys()
      if (cached) return cached(header, token)
      throw authServiceUnavailable(error)
    }
  }
  keySets.set(url, keySet)
  return keySet
}
