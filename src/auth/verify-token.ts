import { decodeJwt, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose'
import type { Bindings } from '../env.ts'
import { ApiError } from '../errors.ts'
import { keySetFor } from './jwks.ts'
import { TokenCache } from './token-cache.ts'

/** A bound on what we are willing to parse; real Auth0 tokens are far smaller. */
const MAX_TOKEN_LENGTH = 8_192
/** Clock skew allowed on `exp`, `nbf` and `iat` (API.md section 3). */
const CLOCK_TOLERANCE_S = 60

type AuthConfig = {
  issuer: string
  audience: string
  jwksUrl: string
  /** Tokens verified under exactly this configuration. */
  tokens: TokenCache
}

/** Section 4's configuration, with its defaults; undefined if it is incomplete or unsafe. */
function parseAuthConfig(env: Bindings): AuthConfig | undefined {
  const issuer = env.AUTH0_ISSUER || (env.AUTH0_DOMAIN ? `https://${env.AUTH0_DOMAIN}/` : '')
  const audience = env.AUTH0_AUDIENCE
  if (!issuer || !audience) return undefined
  const jwksUrl = env.AUTH0_JWKS_URL || `${issuer.endsWith('/') ? issuer : `${issuer}/`}.well-known/jwks.json`
  let url: URL
  try {
    url = new URL(jwksUrl)
  } catch {
    return undefined
  }
  // Keys fetched in the clear could be swapped in transit; only a local issuer may.
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1'
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) return undefined
  return { issuer, audience, jwksUrl, tokens: new TokenCache() }
}

// Configuration is per deployment, so an isolate parses it once (URL parsing is not free) and keeps
// one token cache per configuration: a token verified for one audience is never taken for another.
// Bounded: only the tests run one isolate under many configurations.
const MAX_CONFIGS = 32
const configs = new Map<string, AuthConfig | undefined>()

/** Section 4's configuration, with its defaults; undefined if it is incomplete or unsafe. Parsed once per isolate. */
export function authConfig(env: Bindings): AuthConfig | undefined {
  const key = `${env.AUTH0_ISSUER}\n${env.AUTH0_DOMAIN}\n${env.AUTH0_AUDIENCE}\n${env.AUTH0_JWKS_URL}`
  if (configs.has(key)) return configs.get(key)
  if (configs.size >= MAX_CONFIGS) configs.clear()
  const config = parseAuthConfig(env)
  configs.set(key, config)
  return config
}

/** A 401 with the contract's message and RFC 6750's challenge. */
function unauthorized(message: string, tokenSent: boolean) {
  return new ApiError(401, message, {
    headers: { 'WWW-Authenticate': tokenSent ? 'Bearer error="invalid_token"' : 'Bearer' },
  })
}

/**
 * The bearer token of an `Authorization` header, or the contract's 401.
 * @see https://datatracker.ietf.org/doc/html/rfc6750#section-2.1
 */
export function bearerToken(header: string | undefined): string {
  if (!header?.trim()) throw unauthorized('Authorization header is expected.', false)
  const parts = header.trim().split(/\s+/)
  if (parts[0]?.toLowerCase() !== 'bearer') throw unauthorized('Authorization header must start with "Bearer".', false)
  if (parts.length === 1) throw unauthorized('Token not found.', false)
  if (parts.length > 2) throw unauthorized('Authorization header must be bearer token.', true)
  return parts[1] as string
}

const PARSE_FAILED = 'Unable to parse authentication token.'
const NO_KEY = 'Unable to find the appropriate key.'

/**
 * Verifies an Auth0 access token: RS256 only, against the tenant's JWKS, `iss`, `aud`, `exp`, `nbf`, `iat`.
 * A token this isolate verified a moment ago is taken from its cache (token-cache.ts); the payload is then shared, and frozen.
 */
export async function verifyToken(token: string, config: AuthConfig): Promise<Readonly<JWTPayload>> {
  const cached = config.tokens.get(token)
  if (cached) return cached
  const payload = await verifyAnew(token, config)
  config.tokens.set(token, payload)
  return payload
}

async function verifyAnew(token: string, config: AuthConfig): Promise<JWTPayload> {
  if (token.length > MAX_TOKEN_LENGTH) throw unauthorized(PARSE_FAILED, true)
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(token)
  } catch {
    throw unauthorized(PARSE_FAILED, true)
  }
  if (header.alg !== 'RS256') throw unauthorized(PARSE_FAILED, true)
  // With a one-key JWKS jose would accept a token without `kid`; the contract does not.
  if (typeof header.kid !== 'string' || header.kid === '') throw unauthorized(NO_KEY, true)
  // jose takes any `sub` and any number as `exp` (1e309 is Infinity: never expires). The subject keys
  // rate limits, idempotency keys and the history's `by`, so it is a string or absent; `exp` is finite.
  let claims: JWTPayload
  try {
    claims = decodeJwt(token)
  } catch {
    throw unauthorized(PARSE_FAILED, true)
  }
  if ((claims.sub !== undefined && typeof claims.sub !== 'string') || !Number.isFinite(claims.exp)) throw unauthorized(PARSE_FAILED, true)

  try {
    const { payload } = await jwtVerify(token, keySetFor(config.jwksUrl), {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: ['RS256'],
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['exp'],
    })
    // jose checks `iat` is in the past only together with a maximum token age,
    // which Auth0 tokens do not need; a token issued in the future is forged or
    // from a broken clock, either way not one to trust.
    if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE_S) throw unauthorized(PARSE_FAILED, true)
    return payload
  } catch (error) {
    throw toAuthError(error)
  }
}

function toAuthError(error: unknown): ApiError {
  if (error instanceof ApiError) return error // the identity provider is unavailable
  if (error instanceof errors.JWTExpired) return unauthorized('Token expired.', true)
  if (error instanceof errors.JWTClaimValidationFailed) {
    const wrongClaim = error.claim === 'iss' || error.claim === 'aud' || (error.claim === 'nbf' && error.reason === 'check_failed')
    return unauthorized(wrongClaim ? 'Incorrect claims. Please, check the audience and issuer.' : PARSE_FAILED, true)
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return unauthorized(NO_KEY, true)
  // Bad signature, malformed payload, or garbage that broke a parser.
  return unauthorized(PARSE_FAILED, true)
}
