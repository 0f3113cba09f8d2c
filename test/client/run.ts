// `npm run test:client`: a client generated from the /openapi.json that
// `npm run dev` serves, as a front-end developer would make one
// (openapi-typescript for the types, openapi-fetch for the calls), must
// compile the flow in ./flow.ts under --strict and run it against that server.
// `-- --document <file>` checks a saved document instead: generate and
// type-check only (how to see that an older document fails).
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createChecks } from '../../scripts/lib/checks.ts'
import { mintDevToken } from '../../scripts/lib/dev-issuer.ts'
import { startDevServer } from '../../scripts/lib/dev-server.ts'
import { root } from '../../scripts/lib/paths.ts'

const { check, finish } = createChecks()
const { values } = parseArgs({ options: { document: { type: 'string' } } })
const generated = join(import.meta.dirname, 'generated')
const documentFile = join(generated, 'openapi.json')
const bin = (name: string) => join(root, 'node_modules/.bin', name)

/** Generates ./generated/api.ts from the document, then type-checks it with ./flow.ts (and this file) under --strict. */
function generateAndTypeCheck() {
  const generate = spawnSync(bin('openapi-typescript'), [documentFile, '--output', join(generated, 'api.ts')], { encoding: 'utf8' })
  check('openapi-typescript generates the client types from the document', generate.status === 0, generate.stderr)
  const tsc = spawnSync(bin('tsc'), ['--noEmit', '--strict', '-p', join(import.meta.dirname, 'tsconfig.json')], { encoding: 'utf8' })
  check('the front-end flow type-checks against them under --strict', tsc.status === 0, tsc.stdout.trim().replaceAll('\n', '\n    '))
}

mkdirSync(generated, { recursive: true })
if (values.document) {
  copyFileSync(values.document, documentFile)
  generateAndTypeCheck()
  finish()
}

const dev = await startDevServer()
try {
  const text = await (await fetch(`${dev.base}/openapi.json`)).text()
  writeFileSync(documentFile, text)
  generateAndTypeCheck()
  const { frontEndFlow } = await import('./flow.ts')
  await frontEndFlow(JSON.parse(text), await mintDevToken('producer', { folder: dev.dataDir }), check)
} catch (error) {
  check('the flow ran to the end', false, error instanceof Error ? (error.stack ?? error.message) : String(error))
} finally {
  await dev.stop()
}
finish()
