// API.md D5, "The local stack is sealed": nothing `npm run dev` starts answers
// another local user without a secret. Tried as that user would: every socket
// the stack's processes listen on (read from /proc, as `ss -ltnxp` shows
// them) is tried as `nobody` with curl and psql; the Worker's port must
// answer it (so a refusal elsewhere is the service's, not the probe's), every
// other port must refuse without a secret, none may speak the DevTools
// protocol, and none, nor the database's Unix socket, may open a Postgres session.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { dirname } from 'node:path'

type Check = (name: string, ok: boolean, detail?: string) => void

/** Another local user, with no access to this user's files. */
export const STRANGER = 'nobody'

export type Listener = { kind: 'tcp'; address: string; port: number; pid: number } | { kind: 'unix'; path: string; pid: number }

/** Runs a command as STRANGER (this runs as root, as CI does: runuser needs it). */
function asStranger(command: string[]) {
  return spawnSync('runuser', ['-u', STRANGER, '--', ...command], { encoding: 'utf8', timeout: 20_000 })
}

/** The status a stranger's HTTP GET gets ('000': no HTTP answer at all), and the body. */
function strangerGet(port: number, path: string) {
  const result = asStranger(['curl', '-s', '-m', '5', '-w', '\n%{http_code}', `http://127.0.0.1:${port}${path}`])
  const lines = (result.stdout ?? '').split('\n')
  return { status: lines.at(-1) ?? '000', body: lines.slice(0, -1).join('\n') }
}

/** Whether a stranger's psql opens a session (and runs `select 1`) on a host (address or socket folder) and port. */
export function strangerOpensSession(host: string, port: number) {
  const result = asStranger(['psql', `host=${host} port=${port} user=postgres dbname=postgres connect_timeout=5`, '-Atc', 'select 1'])
  return {
    opened: result.status === 0 && result.stdout.trim() === '1',
    said: `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? '',
  }
}

/** The processes of a process group: `npm run dev` (started detached) and everything it started. */
function groupPids(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
        // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid
      } catch {
        return false
      }
    })
    .map(Number)
}

/** What the processes of the group listen on, from /proc/net/{tcp,tcp6,unix} and their file descriptors. */
export function listenersOf(pgid: number): Listener[] {
  const owner = new Map<string, number>()
  for (const pid of groupPids(pgid)) {
    let fds: string[] = []
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]
        if (inode) owner.set(inode, pid)
      } catch {}
    }
  }
  const found: Listener[] = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const [, local = '', , state, , , , , , inode = ''] = line.trim().split(/\s+/)
      const pid = owner.get(inode)
      if (state !== '0A' || pid === undefined) continue // 0A: LISTEN
      const [hex = '', port = ''] = local.split(':')
      const address =
        hex.length === 8
          ? (hex.match(/../g) ?? [])
              .reverse()
              .map((byte) => Number.parseInt(byte, 16))
              .join('.')
          : hex === '00000000000000000000000001000000'
            ? '::1'
            : hex
      found.push({ kind: 'tcp', address, port: Number.parseInt(port, 16), pid })
    }
  }
  for (const line of readFileSync('/proc/net/unix', 'utf8').trim().split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path; St 01 with the accepting flag is a listener.
    const [, , , flags = '', , , inode = '', path] = line.trim().split(/\s+/)
    const pid = owner.get(inode)
    if (pid !== undefined && path && (Number.parseInt(flags, 16) & 0x10000) !== 0) found.push({ kind: 'unix', path, pid })
  }
  return found
}

/** The checks, against a running `npm run dev` whose process group is `pgid` and whose Worker is on `workerPort`. */
export function checkSealed(check: Check, { pgid, workerPort }: { pgid: number; workerPort: number }) {
  if (process.getuid?.() !== 0) {
    check('the sealed-stack checks run as root, to try the stack as another user', false, 'run test:e2e as root (as CI does)')
    return
  }
  const listeners = listenersOf(pgid)
  const tcp = listeners.filter((l) => l.kind === 'tcp')
  const unix = listeners.filter((l) => l.kind === 'unix')
  const described = listeners.map((l) => (l.kind === 'tcp' ? `${l.address}:${l.port}` : l.path)).join(', ')
  console.log(`  npm run dev listens on: ${described}`)

  check(
    'every TCP port npm run dev listens on is on the loopback address',
    tcp.length > 0 && tcp.every((l) => l.address === '127.0.0.1' || l.address === '::1'),
    described,
  )
  const worker = strangerGet(workerPort, '/health')
  check(
    `another local user (${STRANGER}) reaches the Worker's port ${workerPort}: the probe works`,
    worker.status === '200',
    JSON.stringify(worker),
  )
  // The Worker's document, less `servers` (the origin it was asked on): what identifies the Worker on another port.
  const documentOn = (port: number) => {
    try {
      const { servers: _, ...document } = JSON.parse(strangerGet(port, '/openapi.json').body) as Record<string, unknown>
      return JSON.stringify(document)
    } catch {
      return undefined
    }
  }
  const workerDocument = documentOn(workerPort)

  const open: string[] = []
  const debuggers: string[] = []
  const sessions: string[] = []
  const sameWorker: number[] = []
  for (const { port } of tcp) {
    const devtools = strangerGet(port, '/json/version')
    if (devtools.status === '200') debuggers.push(`${port}: ${devtools.body.slice(0, 120)}`)
    const session = strangerOpensSession('127.0.0.1', port)
    if (session.opened) sessions.push(`${port}`)
    if (port === workerPort) continue
    const health = strangerGet(port, '/health')
    // workerd's own entry to the same Worker, which wrangler's proxy forwards to: it answers what the Worker's port answers.
    if (health.status === '200' && workerDocument !== undefined && documentOn(port) === workerDocument) sameWorker.push(port)
    else {
      // A service of the stack at its well-known paths: the SQL endpoint's and the development issuer's take a secret first.
      const answers = ['/', '/sql', '/.well-known/jwks.json'].map((path) => `${path} ${strangerGet(port, path).status}`)
      answers.unshift(`/health ${health.status}`)
      if (!answers.every((answer) => / 4\d\d$/.test(answer))) open.push(`${port}: ${answers.join(', ')}`)
    }
  }
  check(
    `every other port refuses ${STRANGER} without a secret (${tcp.length - 1 - sameWorker.length} refuse; ${sameWorker.length} serve the Worker itself)`,
    open.length === 0,
    open.join('\n    '),
  )
  check(`no port speaks the DevTools protocol (no debugger; 9229 closed) to ${STRANGER}`, debuggers.length === 0, debuggers.join('\n    '))
  check(`no TCP port of npm run dev opens a Postgres session for ${STRANGER}`, sessions.length === 0, `sessions on ${sessions.join(', ')}`)

  const sockets = unix.map((l) => (l as { path: string }).path)
  const database = sockets.find((path) => path.endsWith('/.s.PGSQL.5432'))
  check('the embedded database listens on a Unix socket, not a TCP port', database !== undefined, sockets.join(', '))
  if (!database) return
  const folder = dirname(database)
  const modes = `${(statSync(folder).mode & 0o777).toString(8)} / ${(statSync(database).mode & 0o777).toString(8)}`
  check(`its folder and socket are their owner's alone (${modes})`, modes === '700 / 600')
  const owner = spawnSync('psql', [`host=${folder} port=5432 user=postgres dbname=postgres connect_timeout=5`, '-Atc', 'select 1'], {
    encoding: 'utf8',
    timeout: 20_000,
  })
  check('its owner opens a session there (the socket serves the database)', owner.status === 0 && owner.stdout.trim() === '1', owner.stderr)
  const stranger = strangerOpensSession(folder, 5432)
  check(`${STRANGER} cannot open one: ${stranger.said}`, !stranger.opened && /Permission denied/i.test(stranger.said), stranger.said)
}

/** With `npm run dev -- --inspect`, the debugger is there: what the check above would flag is what the flag opens. */
export function checkInspectorOpen(check: Check, { pgid }: { pgid: number }) {
  const ports = listenersOf(pgid).flatMap((l) => (l.kind === 'tcp' ? [l.port] : []))
  const answering = ports.filter((port) => {
    const result = spawnSync('curl', ['-s', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/json/version`], {
      encoding: 'utf8',
    })
    return result.stdout === '200'
  })
  check(`npm run dev -- --inspect opens the debugger (DevTools on ${answering.join(', ') || 'no port'})`, answering.length > 0)
}
