// `npm run assets`: static assets the Worker serves (the docs page's script),
// and the OpenAPI document, generated from the routes. wrangler.toml's [build]
// runs it before `wrangler dev` (and again when src/ changes), `wrangler deploy`
// and `wrangler check startup`.
import { prepareDocsAssets } from './lib/docs-assets.ts'
import { writeOpenAPIDocument } from './lib/openapi-document.ts'

prepareDocsAssets()
await writeOpenAPIDocument()
