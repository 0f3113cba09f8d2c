import { copyFileSync, mkdirSync, renameSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { root } from './paths.ts'

/**
 * Puts Scalar's browser bundle among the Worker's static assets (public/, not
 * committed), so /docs loads nothing from the internet. Run before `wrangler
 * dev` and `wrangler deploy`; a copy, so it follows the installed version.
 */
export function prepareDocsAssets() {
  // The package exports no path to its browser bundle; npm installs it here.
  const bundle = join(root, 'node_modules/@scalar/api-reference/dist/browser/standalone.js')
  const target = join(root, 'public/docs/scalar.js')
  mkdirSync(dirname(target), { recursive: true })
  // Copied aside, then renamed: a Worker starting meanwhile (another test run, wrangler dev) never reads half a file.
  copyFileSync(bundle, `${target}.${process.pid}`)
  renameSync(`${target}.${process.pid}`, target)
}
