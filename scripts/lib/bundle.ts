import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { root } from './paths.ts'

const wrangler = join(root, 'node_modules/.bin/wrangler')

/** Runs wrangler in the project; its output, or an error with what it printed. */
export function runWrangler(args: string[]) {
  const result = spawnSync(wrangler, args, { cwd: root, encoding: 'utf8' })
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr)
    throw new Error(`wrangler ${args.join(' ')} exited with ${result.status}`)
  }
  return result.stdout
}

export type Metafile = { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> }

/**
 * What `npm run deploy` uploads, built into `out` by `wrangler deploy --dry-run
 * --env production`: the code, its gzip size, esbuild's metafile, and the
 * bundle file that `wrangler check startup` takes.
 */
export function buildProductionBundle(out: string) {
  const bundle = join(out, 'worker.bundle')
  runWrangler(['deploy', '--dry-run', '--env', 'production', '--outdir', out, '--outfile', bundle, '--metafile', join(out, 'meta.json')])
  const code = readFileSync(join(out, 'index.js'))
  return {
    code,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    metafile: JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as Metafile,
    bundle,
  }
}
