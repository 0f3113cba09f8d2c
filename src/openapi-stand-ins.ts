import type * as honoOpenAPI from 'hono-openapi'

// What the Worker's bundle gets for `hono-openapi` ([alias] in wrangler.toml).
// The Worker serves the document the build generated (scripts/assets.ts, with
// the real hono-openapi in Node, from these same routes), so it needs only
// the markers that routes carry: with these, hono-openapi, its JSON Schema
// converters and zod's own (`toJSONSchema`) stay out of the bundle, and no
// response schema is read at all. The tests run the real package.

export const uniqueSymbol: typeof honoOpenAPI.uniqueSymbol = Symbol('openapi') as typeof honoOpenAPI.uniqueSymbol

/** A route's description: the middleware passes the request on, as hono-openapi's does. */
export const describeRoute: typeof honoOpenAPI.describeRoute = () => async (_c, next) => {
  await next()
}

/** A schema for the document: nothing in the Worker reads it. */
export const resolver = (() => ({})) as unknown as typeof honoOpenAPI.resolver

/** Only a document generated in the Worker calls it, and the Worker serves the one the build generated. */
export const generateSpecs: typeof honoOpenAPI.generateSpecs = () => {
  throw new Error('hono-openapi is not in the Worker: its document is generated at build time (scripts/assets.ts)')
}
