// `npm run db:migrate`: applies migrations/ to DATABASE_URL (from the
// environment or .dev.vars), or to the embedded development database.
import { withDevDatabase } from './lib/database.ts'

await withDevDatabase(async () => {})
console.log('migrations applied')
