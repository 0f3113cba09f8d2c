// What the bundle gives for `zod/v4/core` (see [alias] in wrangler.toml).
// hono-openapi's converter imports that module dynamically for one function,
// and a dynamic import keeps every export, among them zod's 60-odd locales
// (a third of the bundle). The same function, from zod's own entry point:
export { toJSONSchema } from 'zod'
