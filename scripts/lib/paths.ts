import { mkdirSync, renameSync } from 'node:fs'
import { dirname, join } from 'node:path'

export const root = join(import.meta.dirname, '../..')
export const migrationsFolder = join(root, 'migrations')
/** Local state (embedded database, dev issuer keys); DATA_DIR moves it, e.g. for a throwaway run. */
export const dataDir = process.env.DATA_DIR || join(root, '.data')

/** Where a running `npm run dev` says how to reach its embedded database (for db:seed, db:migrate and the checks). */
export const devServerFile = (folder = dataDir) => join(folder, 'dev-server.json')

/**
 * Puts a file among the Worker's static assets (public/, not committed):
 * `write` fills a file beside it, which then takes its place in one rename,
 * so a Worker starting meanwhile (another test run, wrangler dev) never reads
 * half of it. The file's path.
 */
export function writeAsset(path: string, write: (aside: string) => void) {
  const target = join(root, 'public', path)
  mkdirSync(dirname(target), { recursive: true })
  const aside = `${target}.${process.pid}`
  write(aside)
  renameSync(aside, target)
  return target
}
