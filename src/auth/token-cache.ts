import type { JWTPayload } from 'jose'

/** How long a verified token is taken on trust without verifying it again, at most. */
export const TOKEN_CACHE_TTL_MS = 5 * 60_000
/** Tokens remembered per isolate, at most; the oldest goes first. */
export const TOKEN_CACHE_ENTRIES = 4_096

type Entry = { payload: Readonly<JWTPayload>; until: number }

/**
 * Tokens this isolate has verified, by their exact text: a client sends the
 * same token with every request, and an RS256 verification is the largest
 * share of what a DB-less request costs (docs/cpu.md). Only a successful
 * verification is kept, until the token's `exp` (never past it, and without
 * the clock tolerance that verification allows) or `TOKEN_CACHE_TTL_MS`,
 * whichever comes first. Everything after verification (permission, rate
 * limit) still runs on every request.
 *
 * The trade-off: a token whose signing key is withdrawn from the JWKS stays
 * accepted here for up to `TOKEN_CACHE_TTL_MS` after this isolate last
 * verified it (jose's own JWKS cache already keeps a withdrawn key up to
 * 10 minutes); nothing else is trusted longer than it would be without it.
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>()

  readonly maxEntries: number
  readonly ttlMs: number

  // Plain fields, not parameter properties: Node's type stripping (scripts/ reach src/) erases types only.
  constructor(maxEntries = TOKEN_CACHE_ENTRIES, ttlMs = TOKEN_CACHE_TTL_MS) {
    this.maxEntries = maxEntries
    this.ttlMs = ttlMs
  }

  /** The payload of `token` if it was verified and is still within its time; never an expired one. */
  get(token: string, now = Date.now()): Readonly<JWTPayload> | undefined {
    const entry = this.#entries.get(token)
    if (!entry) return undefined
    if (now < entry.until) return entry.payload
    this.#entries.delete(token)
    return undefined
  }

  /** Remembers a verified token; its payload is frozen, as every later request shares it. */
  set(token: string, payload: JWTPayload, now = Date.now()) {
    const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : Number.NaN
    const until = Math.min(exp, now + this.ttlMs)
    if (!(until > now)) return // expired (within the tolerance), or no usable `exp`: verify every time
    if (Array.isArray(payload.permissions)) Object.freeze(payload.permissions)
    this.#entries.delete(token)
    this.#entries.set(token, { payload: Object.freeze(payload), until })
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string)
  }

  get size() {
    return this.#entries.size
  }

  clear() {
    this.#entries.clear()
  }
}
