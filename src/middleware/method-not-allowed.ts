import type { Hono } from 'hono'
import type { AppEnv } from '../env.ts'

type Pattern = { regex: RegExp; methods: Set<string> }
const patternsByApp = new WeakMap<object, Pattern[]>()

// Hono answers an unknown method on a known path with its 404; the contract
// wants 405 with `Allow`. The registered routes are the only truth for which
// methods exist, so read them from the app instead of keeping a second list.
function patternsOf(app: Hono<AppEnv>): Pattern[] {
  let patterns = patternsByApp.get(app)
  if (patterns) return patterns
  const byPath = new Map<string, Set<string>>()
  for (const route of app.routes) {
    if (route.method === 'ALL') continue
    const methods = byPath.get(route.path) ?? new Set<string>()
    methods.add(route.method)
    if (route.method === 'GET') methods.add('HEAD')
    byPath.set(route.path, methods)
  }
  patterns = [...byPath].map(([path, methods]) => ({
    regex: new RegExp(
      `^${path
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replace(/:[^/]+/g, '[^/]+')
        .replace(/\*/g, '.*')}$`,
    ),
    methods,
  }))
  patternsByApp.set(app, patterns)
  return patterns
}

/** The `Allow` header value for a path that exists under other methods, or undefined. */
export function methodNotAllowed(app: Hono<AppEnv>, path: string): string | undefined {
  const methods = new Set<string>()
  for (const pattern of patternsOf(app)) {
    if (pattern.regex.test(path)) for (const method of pattern.methods) methods.add(method)
  }
  return methods.size > 0 ? [...methods].sort().join(', ') : undefined
}
