import { join } from 'node:path'

export const root = join(import.meta.dirname, '../..')
export const migrationsFolder = join(root, 'migrations')
/** Local state (embedded database, dev issuer keys); DATA_DIR moves it, e.g. for a throwaway run. */
export const dataDir = process.env.DATA_DIR || join(root, '.data')

/** Where a running `npm run dev` says how to reach its embedded database (for db:seed, db:migrate and the checks). */
export const devServerFile = (folder = dataDir) => join(folder, 'dev-server.json')
