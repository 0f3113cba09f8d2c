import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { app } from '../../src/index.ts'
import { generateDocument } from '../../src/openapi.ts'
import { DOCUMENT_ASSET, documentOptions } from '../../src/routes/docs.ts'
import { root } from './paths.ts'

/**
 * Generates the Worker's /openapi.json from its routes, with the real
 * hono-openapi (the bundle has stand-ins: src/openapi-stand-ins.ts), and puts
 * it among the static assets (public/, not committed), where the Worker reads
 * it. Run before every `wrangler dev`, `wrangler deploy` and test run, so it is
 * never older than the routes; `servers` is added per request.
 */
export async function writeOpenAPIDocument() {
  const document = await generateDocument(app, documentOptions)
  const target = join(root, 'public', DOCUMENT_ASSET)
  mkdirSync(dirname(target), { recursive: true })
  // Written aside, then renamed: a Worker starting meanwhile (another test run, wrangler dev) never reads half a file.
  writeFileSync(`${target}.${process.pid}`, JSON.stringify(document))
  renameSync(`${target}.${process.pid}`, target)
  return target
}
