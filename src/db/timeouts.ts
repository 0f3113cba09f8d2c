/**
 * How long one round trip to the database may take before the request answers
 * 503. The server cancels a statement sooner (its statement_timeout); this
 * bounds a network or proxy that never answers.
 */
export const QUERY_TIMEOUT_MS = 5_000
