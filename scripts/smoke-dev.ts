// `npm run smoke:dev`: `npm run smoke` against `npm run dev`, as CI runs it,
// with a token from the development issuer for the authenticated check. With
// TEST_DATABASE_URL, dev serves a scratch database on that server (migrated,
// as `npm run db:migrate` would), and smoke reports its statement_timeout.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { mintDevToken } from './lib/dev-issuer.ts'
import { startDevServer } from './lib/dev-server.ts'
import { root } from './lib/paths.ts'
import { createScratchDatabase } from './lib/scratch-database.ts'

const server = process.env.TEST_DATABASE_URL
const scratch = server ? await createScratchDatabase(server, 'casting_smoke') : undefined
let status: number | null = 1
try {
  const database: Record<string, string> = scratch ? { DATABASE_URL: scratch.url } : {}
  const dev = await startDevServer({ env: database })
  try {
    const token = await mintDevToken('assistant', { folder: dev.dataDir })
    status = spawnSync(process.execPath, [join(root, 'scripts/smoke.ts'), dev.base], {
      env: { ...process.env, DATABASE_URL: '', ...database, SMOKE_TOKEN: token },
      stdio: 'inherit',
    }).status
  } finally {
    await dev.stop()
  }
} finally {
  await scratch?.drop()
}
process.exit(status ?? 1)
