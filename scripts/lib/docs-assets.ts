import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { root, writeAsset } from './paths.ts'

/**
 * Puts Scalar's browser bundle among the Worker's static assets (public/, not
 * committed), so /docs loads nothing from the internet. Run before `wrangler
 * dev` and `wrangler deploy`; a copy, so it follows the installed version.
 */
export function prepareDocsAssets() {
  // The package exports no path to its browser bundle; npm installs it here.
  const bundle = join(root, 'node_modules/@scalar/api-reference/dist/browser/standalone.js')
  writeAsset('docs/scalar.js', (aside) => copyFileSync(bundle, aside))
}
