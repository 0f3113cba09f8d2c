import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { devServerFile, root } from './paths.ts'

export async function freePort() {
  return new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Waits until `base` answers /health with 200, as long as `dev` runs; how long it took, in ms. */
export async function waitForHealth(base: string, dev: ChildProcess, timeoutMs = 60_000) {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    if (dev.exitCode !== null) throw new Error(`npm run dev exited with ${dev.exitCode}`)
    if (
      await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return Date.now() - started
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`/health did not answer 200 within ${timeoutMs} ms`)
}

/**
 * `npm run dev` as a user runs it, on a free port and a throwaway data
 * folder (so it never touches .data/), for checks that need the whole stack.
 * Given a `dataDir`, it uses that one and leaves it in place when stopped.
 * `env` adds to its environment, as a developer's shell would (DATABASE_URL,
 * AUTH0_*: see API.md section 4); `args` are what follows `npm run dev --` (`--inspect`).
 */
export async function startDevServer({
  dataDir: given,
  env = {},
  args = [],
}: {
  dataDir?: string
  env?: Record<string, string>
  args?: string[]
} = {}) {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const dataDir = given ?? mkdtempSync(join(tmpdir(), 'casting-dev-'))
  const dev = spawn(process.execPath, ['scripts/dev.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), DATA_DIR: dataDir },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  })
  const stop = async () => {
    if (dev.pid && dev.exitCode === null) {
      process.kill(-dev.pid, 'SIGTERM')
      await new Promise((resolve) => dev.once('exit', resolve))
    }
    if (!given) rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    const startedInMs = await waitForHealth(base, dev, 60_000)
    // Where dev serves its embedded database (or the one it was given), for arranging data directly.
    const databaseUrl =
      env.DATABASE_URL ?? (JSON.parse(readFileSync(devServerFile(dataDir), 'utf8')) as { databaseUrl: string }).databaseUrl
    return { base, dataDir, databaseUrl, startedInMs, stop, pid: dev.pid as number }
  } catch (error) {
    await stop()
    throw error
  }
}
