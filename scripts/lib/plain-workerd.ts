import { type ChildProcess, spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runWrangler } from './bundle.ts'
import { root } from './paths.ts'

// Plain workerd, with no wrangler in front: what `npm run bench -- --cpu`
// measures. `wrangler dev` adds a proxy workerd that rewrites every response,
// a Durable Object behind the rate limiter, console lines sent over the
// inspector and an assets router; production runs none of them.

const WORKERD = join(root, 'node_modules/@cloudflare/workerd-linux-64/bin/workerd')

/** The compatibility settings of wrangler.toml, so every Worker measured runs under the API's. */
export function compatibility() {
  const toml = readFileSync(join(root, 'wrangler.toml'), 'utf8')
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1]
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1]
  if (!date) throw new Error('wrangler.toml: no compatibility_date')
  return { date, flags: [...(flags ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!) }
}

/**
 * A Worker of `main` bundled as wrangler bundles the API (`wrangler deploy
 * --dry-run`, minified, the same compatibility settings), into `out`.
 */
export function bundleWorker(main: string, out: string): string {
  const { date, flags } = compatibility()
  mkdirSync(out, { recursive: true })
  const config = join(out, 'wrangler.json')
  writeFileSync(
    config,
    JSON.stringify({ name: 'bench-floor', main: join(root, main), compatibility_date: date, compatibility_flags: flags, minify: true }),
  )
  const dist = join(out, 'dist')
  runWrangler(['deploy', '--dry-run', '--config', config, '--outdir', dist])
  const [script, ...more] = readdirSync(dist).filter((file) => file.endsWith('.js'))
  if (!script || more.length > 0) throw new Error(`${main}: expected one module from wrangler, got ${readdirSync(dist).join(', ')}`)
  return join(dist, script)
}

export type PlainWorker = {
  /** The bundle's entry module (other modules beside it are taken too). */
  script: string
  /** Text bindings. */
  vars: Record<string, string>
  /** A Rate Limiting binding of this name (scripts/lib/bench-workers/rate-limiter.js). */
  rateLimiter?: { name: string; limit: number; period: number }
}

const capnpString = (value: string) => JSON.stringify(value)

/**
 * A minimal workerd configuration for one Worker in `dir`: one HTTP socket,
 * outbound fetches allowed to loopback (the SQL endpoint, the issuer's JWKS).
 */
export function writeConfig(dir: string, worker: PlainWorker, port: number): string {
  mkdirSync(dir, { recursive: true })
  const source = join(worker.script, '..')
  const modules = readdirSync(source).filter((file) => file.endsWith('.js') || file.endsWith('.mjs'))
  const entry = worker.script.slice(source.length + 1)
  for (const file of modules) copyFileSync(join(source, file), join(dir, file))
  const ordered = [entry, ...modules.filter((file) => file !== entry)]
  const bindings = Object.entries(worker.vars).map(([name, value]) => `(name = ${capnpString(name)}, text = ${capnpString(value)})`)
  let extensions = ''
  if (worker.rateLimiter) {
    copyFileSync(join(root, 'scripts/lib/bench-workers/rate-limiter.js'), join(dir, 'rate-limiter.internal.js'))
    const { name, limit, period } = worker.rateLimiter
    bindings.push(
      `(name = ${capnpString(name)}, wrapped = (moduleName = "bench-internal:rate-limiter", innerBindings = [` +
        `(name = "limit", json = "${limit}"), (name = "period", json = "${period}")]))`,
    )
    extensions = `extensions = [(modules = [(name = "bench-internal:rate-limiter", esModule = embed "rate-limiter.internal.js", internal = true)])],`
  }
  const { date, flags } = compatibility()
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
  ${extensions}
);
const worker :Workerd.Worker = (
  modules = [${ordered.map((file) => `(name = ${capnpString(file)}, esModule = embed ${capnpString(file)})`).join(', ')}],
  compatibilityDate = ${capnpString(date)},
  compatibilityFlags = [${flags.map(capnpString).join(', ')}],
  bindings = [${bindings.join(', ')}],
  globalOutbound = "net",
);
`
  const file = join(dir, 'config.capnp')
  writeFileSync(file, config)
  return file
}

/** `workerd serve <config>`; its console lines are dropped (production sends them to its log pipeline). */
export function serve(config: string): ChildProcess {
  return spawn(WORKERD, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] })
}

export async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** CPU time of a process so far, all its threads, in ms (from the scheduler's nanoseconds, not 10 ms ticks). */
export function processCpuMs(pid: number): number {
  let ns = 0
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0])
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e6
}

/** CPU time of a process so far, ended threads included, in ms (10 ms ticks: for start-ups, not single requests). */
export function processTotalCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // utime and stime, in ticks of 1/100 s
}
