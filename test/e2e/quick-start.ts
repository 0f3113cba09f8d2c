// The README's quick start, run as written on a fresh clone's state: its
// commands in order, each checked against what the README says it prints;
// and, while that `npm run dev` runs, its local secrets out of other users'
// reach (no process's command line carries them, .data/ is its owner's alone,
// wrangler's state keeps no endpoint secret).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseEnv } from 'node:util'
import { freePort, waitForHealth } from '../../scripts/lib/dev-server.ts'
import { root } from '../../scripts/lib/paths.ts'

type Check = (name: string, ok: boolean, detail?: string) => void

const NUMBERS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 }

/** The quick start's `sh` blocks, as lines (comments included). */
function quickStartBlocks() {
  const section = readFileSync(join(root, 'README.md'), 'utf8').split('\n## Quick start\n')[1]?.split('\n## ')[0] ?? ''
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!.trim().split('\n'))
}

/** The command lines of every process on the machine that this user may read. */
export function commandLines() {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
      } catch {
        return '' // gone since the listing
      }
    })
}

/** Every file and folder under `folder` whose mode lets anyone but its owner in. */
export function openToOthers(folder: string): string[] {
  const open: string[] = []
  const walk = (path: string) => {
    const stat = statSync(path)
    if ((stat.mode & 0o077) !== 0) open.push(`${path} ${(stat.mode & 0o777).toString(8)}`)
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry))
  }
  walk(folder)
  return open
}

/** The local SQL endpoint's per-run secret, from the file `npm run dev` hands wrangler. */
export function endpointSecret(dataDir: string) {
  const vars = parseEnv(readFileSync(join(dataDir, 'wrangler.env'), 'utf8'))
  return new URL(String(vars.DATABASE_HTTP_ENDPOINT)).pathname.split('/')[1] ?? ''
}

/** Files under `folder` whose bytes contain `text`. */
function filesContaining(folder: string, text: string): string[] {
  const found = spawnSync('grep', ['-rlF', '--', text, folder], { encoding: 'utf8' })
  return found.stdout.split('\n').filter(Boolean)
}

const stopGroup = async (child: ChildProcess) => {
  if (child.pid && child.exitCode === null) {
    process.kill(-child.pid, 'SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
  }
}

/**
 * Runs the quick start in `workDir` (its `.data/` does not exist yet, as in a
 * fresh clone). `npm install` is CI's own first step and `npm test` its
 * suite steps; every other line runs here, in one shell, in order.
 */
export async function runQuickStart(workDir: string, check: Check) {
  const [start = [], second = []] = quickStartBlocks()
  const devLine = start.find((line) => line.startsWith('npm run dev'))
  check(
    'the quick start names npm install and npm run dev, then commands for a second terminal',
    Boolean(start.includes('npm install') && devLine && second.length >= 4),
  )
  if (!devLine) return

  const port = await freePort()
  const dataDir = join(workDir, '.data')
  const env = { ...process.env, PORT: String(port), DATA_DIR: dataDir }
  const dev = spawn('bash', ['-c', devLine], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'], detached: true })
  try {
    const ms = await waitForHealth(`http://127.0.0.1:${port}`, dev, 60_000)
    check(`\`${devLine.split('#')[0]!.trim()}\` answers on its port (${(ms / 1000).toFixed(1)} s)`, true)

    // One shell for the second terminal's lines, so TOKEN=… reaches the next; markers split the output.
    const lines = second.filter((line) => !line.startsWith('npm test'))
    const script = lines
      .map((line) => {
        const assigned = /^(\w+)=\$\(/.exec(line)?.[1]
        const run = line.replaceAll('localhost:8787', `localhost:${port}`)
        return `echo '::begin'\n${run}\nstatus=$?\n${assigned ? `printf '%s\\n' "$${assigned}"\n` : ''}echo "::end $status"`
      })
      .join('\n')
    const shell = spawnSync('bash', ['-c', script], { cwd: root, env, encoding: 'utf8', timeout: 120_000 })
    const outputs = [...shell.stdout.matchAll(/::begin\n([\s\S]*?)::end (\d+)/g)].map((m) => ({ out: m[1]!.trim(), status: Number(m[2]) }))
    check(`every line of the second terminal ran (${outputs.length} of ${lines.length})`, outputs.length === lines.length, shell.stderr)

    let token = ''
    lines.forEach((line, i) => {
      const { out = '', status = -1 } = outputs[i] ?? {}
      const [command = '', said = ''] = line.split(/\s+#\s+/).map((part) => part.trim())
      if (command.startsWith('curl') && command.endsWith('/health')) {
        check(`\`${command}\` prints ${said}`, status === 0 && out === said, out)
      } else if (command.startsWith('npm run db:seed')) {
        const counts = [...said.matchAll(/(\w+) (actors|movies|castings)/g)].map(([, n, what]) => `${NUMBERS[n!] ?? n} ${what}`)
        check(`\`${command}\` seeds ${said}`, status === 0 && counts.length === 3 && counts.every((c) => out.includes(c)), out)
      } else if (command.startsWith('TOKEN=')) {
        token = out
        check(`\`${command}\` gives a token`, status === 0 && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(out), out)
      } else if (command.includes('/actors')) {
        const body = JSON.parse(out || '{}') as { success?: boolean; actors?: Array<{ name: string }>; total?: number }
        const names = body.actors?.map((a) => a.name) ?? []
        check(
          `\`${command.slice(0, 40)}…\` lists the seed's four actors (${names.join(', ')})`,
          status === 0 && body.success === true && body.total === 4 && names.includes('Frances McDormand'),
          out,
        )
      } else check(`\`${command}\` succeeds`, status === 0, out)
    })

    // The seed's movies and castings, as the API lists them.
    const get = (path: string) =>
      fetch(`http://127.0.0.1:${port}${path}`, { headers: { Authorization: `Bearer ${token}` } }).then(
        (r) => r.json() as Promise<{ total?: number; movies?: Array<{ id: number }>; cast?: unknown[] }>,
      )
    const films = await get('/movies')
    const casts = await Promise.all((films.movies ?? []).map((movie) => get(`/movies/${movie.id}/actors`)))
    const castings = casts.reduce((sum, c) => sum + (c.cast?.length ?? 0), 0)
    check(
      `the seed's three movies and four castings are listed (${films.total} movies, ${castings} castings)`,
      films.total === 3 && castings === 4,
    )

    // Local secrets, while this npm run dev runs.
    const secret = endpointSecret(dataDir)
    const carrying = commandLines().filter((line) => line.includes(secret))
    check(
      'no process of npm run dev carries the endpoint secret on its command line',
      secret.length >= 24 && carrying.length === 0,
      carrying.join('\n    '),
    )
    const dataMode = (statSync(dataDir).mode & 0o777).toString(8)
    const open = openToOthers(dataDir)
    check(
      `.data/ is ${dataMode}, and nothing in it (PGlite's files included) is open to other users`,
      dataMode === '700' && open.length === 0,
      open.slice(0, 5).join('\n    '),
    )
    const recorded = filesContaining(join(root, '.wrangler'), secret)
    check("wrangler's local state (.wrangler/) records no endpoint secret", recorded.length === 0, recorded.join('\n    '))
  } catch (error) {
    check('the quick start ran to the end', false, String(error))
  } finally {
    await stopGroup(dev)
  }
}
