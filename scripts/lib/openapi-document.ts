import { writeFileSync } from 'node:fs'
import { app } from '../../src/index.ts'
import { generateDocument } from '../../src/openapi.ts'
import { DOCUMENT_ASSET, documentOptions } from '../../src/routes/docs.ts'
import { writeAsset } from './paths.ts'

/**
 * Generates the Worker's /openapi.json from its routes, with the real
 * hono-openapi (the bundle has stand-ins: src/openapi-stand-ins.ts), and puts
 * it among the static assets (public/, not committed), where the Worker reads
 * it. Run before every `wrangler dev`, `wrangler deploy` and test run, so it is
 * never older than the routes; `servers` is added per request.
 */
export async function writeOpenAPIDocument() {
  const document = await generateDocument(app, documentOptions)
  return writeAsset(DOCUMENT_ASSET, (aside) => writeFileSync(aside, JSON.stringify(document)))
}
