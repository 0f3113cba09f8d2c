// `npm run smoke:dev`: `npm run smoke` against `npm run dev`, as CI runs it,
// with a token from the development issuer for the authenticated check.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { mintDevToken } from './lib/dev-issuer.ts'
import { startDevServer } from './lib/dev-server.ts'
import { root } from './lib/paths.ts'

const dev = await startDevServer()
let status: number | null = 1
try {
  const token = await mintDevToken('assistant', { folder: dev.dataDir })
  status = spawnSync(process.execPath, [join(root, 'scripts/smoke.ts'), dev.base], {
    env: { ...process.env, SMOKE_TOKEN: token },
    stdio: 'inherit',
  }).status
} finally {
  await dev.stop()
}
process.exit(status ?? 1)
