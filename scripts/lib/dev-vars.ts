import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEnv } from 'node:util'
import { root } from './paths.ts'

/** Configuration keys the Worker reads (API.md sections 4 and D6, plus the local SQL endpoint). */
const CONFIG_KEYS = [
  'DATABASE_URL',
  'DATABASE_HTTP_ENDPOINT',
  'AUTH0_DOMAIN',
  'AUTH0_AUDIENCE',
  'AUTH0_ISSUER',
  'AUTH0_JWKS_URL',
  'CORS_ORIGINS',
  'PUBLIC_ORIGIN',
  'HISTORY_RETENTION_DAYS',
  'WEBHOOK_ENCRYPTION_KEY',
  'WEBHOOK_ALLOW_LOOPBACK_HTTP',
  'WEBHOOK_RETRY_BASE_SECONDS',
] as const

/**
 * What the developer set explicitly: `.dev.vars`, then the environment on top.
 * These always win over the defaults the dev tooling would otherwise supply.
 */
export function explicitConfig(): Record<string, string> {
  const file = join(root, '.dev.vars')
  const values: Record<string, string> = existsSync(file) ? (parseEnv(readFileSync(file, 'utf8')) as Record<string, string>) : {}
  for (const key of CONFIG_KEYS) {
    const value = process.env[key]
    if (value) values[key] = value
  }
  for (const key of Object.keys(values)) if (values[key] === '') delete values[key]
  return values
}

/** Whether a Postgres URL points at this machine (and so needs our SQL endpoint). */
export function isLocalDatabase(url: string): boolean {
  const host = new URL(url).hostname
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]'
}

/**
 * Where `pg` connects for a Postgres URL: the folder of a Unix socket (`?host=/…`,
 * as the embedded database is served), or a host and port.
 */
export function databaseTarget(url: string): { host: string; port: number } {
  const parsed = new URL(url)
  const port = Number(parsed.port || 5432)
  const socketDir = parsed.searchParams.get('host')
  if (socketDir?.startsWith('/')) return { host: socketDir, port }
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port }
}
