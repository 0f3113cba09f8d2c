import type { IfMatch } from './conditional.ts'
import type { Database } from './db/client.ts'
import type { WebhookMessage } from './webhooks/dispatch.ts'

/**
 * The Worker's bindings: the `[vars]` of wrangler.toml (typed by `wrangler
 * types`) plus what is never written there.
 */
export type Bindings = Omit<Env, 'RATE_LIMITER' | 'WEBHOOK_QUEUE' | 'WEBHOOK_DEAD_LETTERS'> & {
  /**
   * The `[[ratelimits]]` binding of wrangler.toml: requests per token subject.
   * Optional: a deployment without it is not limited (API.md, "Rate limits").
   */
  RATE_LIMITER?: RateLimit
  /** Secret. The Postgres connection string (Neon in production). */
  DATABASE_URL: string
  /**
   * Local only: the URL of the SQL-over-HTTP endpoint (scripts/lib/sql-endpoint.ts)
   * in front of a plain Postgres (PGlite or a local server). Honoured only for
   * a loopback address; unset in production, where Neon's own proxy answers.
   */
  DATABASE_HTTP_ENDPOINT?: string
  /** Secret. Base64 of 32 bytes: the AES-GCM key webhook secrets are stored under (src/webhooks/secrets.ts). */
  WEBHOOK_ENCRYPTION_KEY?: string
  /** The `[[queues.producers]]` of webhook deliveries: nudges and one message per (webhook, event). */
  WEBHOOK_QUEUE: Queue<WebhookMessage>
  /** Where a delivery goes after its last attempt failed (also the consumer's `dead_letter_queue`). */
  WEBHOOK_DEAD_LETTERS?: Queue<unknown>
}

export type AppEnv = {
  Bindings: Bindings
  Variables: {
    db: Database
    /** The token's `sub`, for the request log; set once a token is verified. */
    subject?: string
    /** The request's `If-Match`, parsed; set by the `ifMatch` middleware on conditional writes. */
    ifMatch?: IfMatch
    /** The request's `Idempotency-Key`, unquoted; set by the `idempotencyKey` middleware on creates. */
    idempotencyKey?: string
    /** Whether the answer is CSV (`Accept: text/csv`, API.md D3); set by `csvAccepted` on the routes that export. */
    csv?: boolean
  }
}
