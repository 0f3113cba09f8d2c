// `npm run lint:openapi`: Spectral's `spectral:oas` rules (.spectral.yaml) on
// the /openapi.json that `npm run dev` serves, failing on any warning or error.
// The document is generated at run time, so it is linted as served.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDevServer } from './lib/dev-server.ts'
import { root } from './lib/paths.ts'

const folder = mkdtempSync(join(tmpdir(), 'casting-openapi-'))
const dev = await startDevServer()
let status = 1
try {
  const file = join(folder, 'openapi.json')
  writeFileSync(file, await (await fetch(`${dev.base}/openapi.json`)).text())
  const spectral = join(root, 'node_modules/.bin/spectral')
  const args = ['lint', file, '--ruleset', join(root, '.spectral.yaml'), '--fail-severity', 'warn']
  status = spawnSync(spectral, args, { stdio: 'inherit', cwd: root }).status ?? 1
} finally {
  await dev.stop()
  rmSync(folder, { recursive: true, force: true })
}
console.log(status === 0 ? 'spectral:oas: no errors or warnings' : 'spectral:oas found problems (above)')
process.exit(status)
