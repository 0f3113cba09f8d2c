// `npm run assets`: static assets the Worker serves (the docs page's script).
import { prepareDocsAssets } from './lib/docs-assets.ts'

prepareDocsAssets()
