// `npm run test:csv`: CSV at scale and in a spreadsheet (API.md D3), on the
// PostgreSQL server through the stack `npm run dev` runs.
// (a) A million actors exported through the Worker: rows per second, round
//     trips to the database, and the workerd process's peak memory (VmRSS,
//     sampled from /proc while the export streams), which must not grow with
//     the list.
// (b) An exported file of formula-like names opened by LibreOffice (headless,
//     CSV to xlsx): no cell of it became a formula.
// (c) The largest import the rules allow (5,000 rows, every text at its longest
//     in control characters): its answer, as the database sends it, against
//     Neon's 10 MiB.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createChecks } from '../../scripts/lib/checks.ts'
import { mintDevToken } from '../../scripts/lib/dev-issuer.ts'
import { freePort, waitForHealth } from '../../scripts/lib/dev-server.ts'
import { type DevStack, startDevStack } from '../../scripts/lib/dev-stack.ts'
import { insertSampleActors } from '../../scripts/lib/sample-data.ts'
import { createScratchDatabase } from '../../scripts/lib/scratch-database.ts'
import { EXPORT_CHUNK_ROWS, MAX_CSV_BYTES, MAX_CSV_ROWS, MAX_GENDER, MAX_NAME, MAX_TITLE } from '../../src/schemas/limits.ts'

const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const ACTORS = Number(process.env.CSV_ACTORS ?? 1_000_000)
const NEON_MAX = 10 * 1024 * 1024
/** How much the Worker's memory may rise during one export (heap growth and garbage included): held rows would be hundreds of MiB. */
const MAX_GROWTH_MIB = 128

/** Names a spreadsheet would run, each as a client might send it; the trimmed ones (tab, CR, LF) cannot be stored. */
const FORMULAS = ['=1+1', '=SUM(1,2)', '=HYPERLINK("http://evil.example","click")', '+1', '-2', '@SUM(1)', "'=1+1", "=cmd|' /C calc'!A0"]

const { check, finish } = createChecks()
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/** The workerd processes under `root` (wrangler's), by walking /proc. */
function workerdUnder(root: number): number[] {
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // gone meanwhile
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return true
    return false
  }
  return [...parents.keys()].filter((pid) => descends(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'workerd')
}

/** The resident memory of `pids`, in bytes (VmRSS). */
const rssOf = (pids: number[]) =>
  pids.reduce((sum, pid) => {
    try {
      return sum + Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024
    } catch {
      return sum
    }
  }, 0)

const scratch = await createScratchDatabase(SERVER, 'casting_csv')
const dataDir = mkdtempSync(join(tmpdir(), 'casting-csv-'))
let stack: DevStack | undefined
// This session makes the data: longer statements than the database's 4 s limit allows, and without the history
// triggers (a replica's role), which would write a million events the export never reads.
const db = new pg.Client({ connectionString: scratch.url, options: '-c statement_timeout=0 -c session_replication_role=replica' })
try {
  await db.connect()
  let started = performance.now()
  await insertSampleActors(db, 1, ACTORS)
  await db.query('vacuum analyze actors')
  console.log(`${ACTORS} actors made in ${((performance.now() - started) / 1000).toFixed(1)} s`)

  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  stack = await startDevStack({ port, dataDir, databaseUrl: scratch.url, quiet: true })
  await waitForHealth(base, stack.wrangler)
  const endpoint = stack.endpoint!
  const token = await mintDevToken('producer', { folder: dataDir })
  const auth = { Authorization: `Bearer ${token}` }

  // (a) Every actor, streamed; memory sampled as it goes. Twice: garbage waits for the collector and the heap
  // grows to its working size during the first export; rows held would make the second one grow it as much again.
  const workerd = workerdUnder(stack.wrangler.pid!)
  const exportAll = async () => {
    const before = rssOf(workerd)
    let peak = before
    let lines = 0
    /** Memory by progress: the peak in each quarter of the rows. */
    const quarters = [before, before, before, before]
    const sampler = setInterval(() => {
      const rss = rssOf(workerd)
      peak = Math.max(peak, rss)
      const quarter = Math.min(3, Math.floor((4 * lines) / ACTORS))
      quarters[quarter] = Math.max(quarters[quarter]!, rss)
    }, 50)
    endpoint.stats(true)
    const started = performance.now()
    const response = await fetch(`${base}/actors`, { headers: { ...auth, Accept: 'text/csv' } })
    let bytes = 0
    let last = ''
    const decoder = new TextDecoder()
    for await (const chunk of response.body!) {
      bytes += chunk.length
      const text = decoder.decode(chunk, { stream: true })
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++
      last = (last + text).slice(-200)
    }
    const seconds = (performance.now() - started) / 1000
    clearInterval(sampler)
    const { requests, statements } = endpoint.stats(true)
    const rows = lines - 1
    console.log(
      `\nexport of ${rows} actors: ${mib(bytes)} in ${seconds.toFixed(1)} s, ${Math.round(rows / seconds)} rows/s, ` +
        `${requests} round trips (${statements} statements); workerd RSS (${workerd.length} processes) ${mib(before)} before, ` +
        `peak by quarter of the rows ${quarters.map(mib).join(', ')}`,
    )
    check(
      `the export answers 200 as text/csv`,
      response.status === 200 && response.headers.get('Content-Type') === 'text/csv; charset=utf-8',
    )
    const lastRow = last.split('\r\n').at(-2) ?? ''
    check(
      `every actor exported, one a row, in id order (${rows} of ${ACTORS}; the last: ${lastRow})`,
      rows === ACTORS && lastRow.startsWith(`${ACTORS},`),
    )
    const expectedTrips = Math.floor(ACTORS / EXPORT_CHUNK_ROWS) + 1
    check(
      `in ${expectedTrips} round trips of ${EXPORT_CHUNK_ROWS} rows (the last one empty or short)`,
      requests === expectedTrips,
      `${requests}`,
    )
    return { before, peak }
  }
  const first = await exportAll()
  let second = await exportAll()
  for (let extra = Number(process.env.CSV_EXTRA_EXPORTS ?? 0); extra > 0; extra--) second = await exportAll()
  // A held list would show within one export: a million rows as objects and text are several hundred MiB. RSS
  // creeps from export to export (about 20 MiB a million, never returned); the report keeps the figures.
  check(
    `the Worker's memory does not grow with the rows: each export's peak under ${MAX_GROWTH_MIB} MiB above its start (+${mib(first.peak - first.before)}, then +${mib(second.peak - second.before)}; the file ${mib(29 * ACTORS)})`,
    workerd.length > 0 &&
      first.peak - first.before < MAX_GROWTH_MIB * 1024 * 1024 &&
      second.peak - second.before < MAX_GROWTH_MIB * 1024 * 1024,
  )

  // (b) Formula-like names: exported, opened by LibreOffice, read back.
  await db.query('delete from actors')
  const created = await fetch(`${base}/actors`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify(FORMULAS.map((name) => ({ name, age: 30 }))),
  })
  check('the formula-like names are created', created.status === 201, await created.text())
  const file = await (await fetch(`${base}/actors`, { headers: { ...auth, Accept: 'text/csv' } })).text()
  const soffice = ['soffice', 'libreoffice'].find((name) => {
    try {
      execFileSync('which', [name], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })
  if (!soffice) check('LibreOffice is installed (apt-get install libreoffice-calc-nogui)', false)
  else {
    const folder = join(dataDir, 'calc')
    const csvPath = join(folder, 'formulas.csv')
    execFileSync('mkdir', ['-p', folder])
    writeFileSync(csvPath, file)
    // Its own profile folder, so that no other LibreOffice of this machine's users is disturbed or asked.
    const profile = `-env:UserInstallation=file://${join(folder, 'profile')}`
    const convert = (filter: string) =>
      execFileSync(soffice, [profile, '--headless', '--convert-to', filter, '--outdir', folder, csvPath], {
        stdio: 'pipe',
        timeout: 120_000,
      })
    // The control: the same names without the apostrophe do become formulas, so the check below can fail.
    writeFileSync(
      join(folder, 'raw.csv'),
      `id,name\r\n${FORMULAS.map((name, i) => `${i + 1},"${name.replaceAll('"', '""')}"`).join('\r\n')}\r\n`,
    )
    execFileSync(soffice, [profile, '--headless', '--convert-to', 'xlsx', '--outdir', folder, join(folder, 'raw.csv')], {
      stdio: 'pipe',
      timeout: 120_000,
    })
    const raw = execFileSync('unzip', ['-p', join(folder, 'raw.xlsx'), 'xl/worksheets/sheet1.xml']).toString()
    check(
      `the control: LibreOffice makes formulas of the names unescaped (${(raw.match(/<f[ >]/g) ?? []).length} <f> elements)`,
      /<f[ >]/.test(raw),
    )
    convert('xlsx')
    const sheet = execFileSync('unzip', ['-p', join(folder, 'formulas.xlsx'), 'xl/worksheets/sheet1.xml']).toString()
    const strings = existsSync(join(folder, 'formulas.xlsx'))
      ? execFileSync('unzip', ['-p', join(folder, 'formulas.xlsx'), 'xl/sharedStrings.xml']).toString()
      : ''
    const formulas = sheet.match(/<f[ >][^<]*<\/f>/g) ?? []
    check(
      `LibreOffice made no formula of the exported file (xlsx: ${formulas.length} <f> elements)`,
      formulas.length === 0,
      formulas.join(' '),
    )
    const shown = [...strings.matchAll(/<t[^>]*>([^<]*)<\/t>/g)].map((m) =>
      m[1]!
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&'),
    )
    check(
      'each name is a text cell as exported, its apostrophe first',
      FORMULAS.every((name) => shown.includes(`'${name}`)),
      JSON.stringify(shown),
    )
    console.log(`LibreOffice (${execFileSync(soffice, ['--version']).toString().trim()}) read the cells as: ${shown.slice(4).join(' | ')}`)
  }

  // (c) The largest imports: their answers as the database sends them (a JSON string in Neon's JSON: 7 bytes a control character).
  const longest = (length: number) => '\u0001'.repeat(length)
  const largest = [
    { path: 'actors', header: 'name,age,gender', row: `${longest(MAX_NAME)},150,${longest(MAX_GENDER)}` },
    { path: 'movies', header: 'title,release_date', row: `${longest(MAX_TITLE)},2020-01-01` },
  ]
  for (const { path, header, row } of largest) {
    const count = Math.min(MAX_CSV_ROWS, Math.floor((MAX_CSV_BYTES - header.length - 2) / (row.length + 2)))
    const key = `largest-${path}`
    started = performance.now()
    const answer = await fetch(`${base}/${path}`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/csv', 'Idempotency-Key': key },
      body: `${header}\r\n${`${row}\r\n`.repeat(count)}`,
    })
    const ms = Math.round(performance.now() - started)
    const answered = (await answer.text()).length
    const { rows: stored } = await db.query<{ body: string }>(`select body::text from idempotency_keys where key = $1`, [key])
    const wire = stored[0] ? JSON.stringify({ body: stored[0].body }).length : Number.NaN
    console.log(
      `largest ${path} import: ${count} rows in ${ms} ms; the Worker's answer ${mib(answered)}, the database's ${mib(wire)} (${((100 * wire) / NEON_MAX).toFixed(0)}% of Neon's 10 MiB)`,
    )
    check(`the largest ${path} import (${count} rows) is created, its answer under Neon's 10 MiB`, answer.status === 201 && wire < NEON_MAX)
  }
} catch (error) {
  check('the CSV checks ran to the end', false, error instanceof Error ? (error.stack ?? error.message) : String(error))
} finally {
  await db.end().catch(() => {})
  await stack?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  await scratch.drop().catch(() => {})
}

finish()
