import { ApiError } from '../errors.ts'

/** The period of the `[[ratelimits]]` binding in wrangler.toml, in seconds: the longest a limited client waits. */
const RATE_LIMIT_PERIOD_S = 60

export const tooManyRequests = () => new ApiError(429, 'too many requests.', { headers: { 'Retry-After': String(RATE_LIMIT_PERIOD_S) } })

/**
 * Counts one request for a token subject and tells whether it is over the
 * limit. Without the binding nothing is limited.
 * @see https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/
 */
export async function isRateLimited(limiter: RateLimit | undefined, subject: string): Promise<boolean> {
  if (!limiter) return false
  const { success } = await limiter.limit({ key: subject })
  return !success
}
