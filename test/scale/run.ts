// `npm run test:scale`: the plans of the list statements on tables of a
// realistic size (API.md C7). A scratch database on the PostgreSQL server
// gets 200,000 actors and 20,000 movies (scripts/lib/sample-data.ts); the dev
// stack serves it; each list request (every filter, every sort, with and
// without `after`) goes through the Worker, and the one statement it sent is
// taken from the SQL endpoint and run again under EXPLAIN (ANALYZE, BUFFERS).
// It fails on a sequential scan of the table for a cursor page or for a
// selective filter (under 5% of the rows), and on a cursor page without
// filters that reads more than `per_page + 1` rows.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getTableName } from 'drizzle-orm'
import pg from 'pg'
import { createChecks } from '../../scripts/lib/checks.ts'
import { mintDevToken } from '../../scripts/lib/dev-issuer.ts'
import { freePort, waitForHealth } from '../../scripts/lib/dev-server.ts'
import { type DevStack, startDevStack } from '../../scripts/lib/dev-stack.ts'
import { insertSampleActors, insertSampleMovies } from '../../scripts/lib/sample-data.ts'
import { createScratchDatabase } from '../../scripts/lib/scratch-database.ts'
import type { DeclaredResource } from '../../src/resources/declare.ts'
import { resources as registered } from '../../src/resources/index.ts'

const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const ACTORS = 200_000
const MOVIES = 20_000
const PER_PAGE = 20
const SELECTIVE = 0.05

type Params = Record<string, string | number>
type Resource = {
  table: string
  rows: number
  filters: Params[]
  sorts: string[]
  deep: Params
  insert: (client: pg.Client) => Promise<unknown>
}

/** Rows of a resource without sample data of its own: its example creates, each distinct. */
const OTHER_ROWS = 20_000

/**
 * The filters worth a plan, chosen for the sample data (scripts/lib/sample-data.ts): common and rare
 * values, each filter alone and together. A resource without sample data is walked with no filter.
 */
const SAMPLES: Record<string, { rows: number; filters: Params[]; insert: (client: pg.Client) => Promise<unknown> }> = {
  actors: {
    rows: ACTORS,
    filters: [
      {},
      { q: 'okafor' },
      { q: 'an' }, // too short for a trigram: it matches most names anyway
      { gender: 'non-binary' },
      { gender: 'agender' },
      { gender: 'female' },
      { min_age: 30, max_age: 30 },
      { gender: 'female', min_age: 30, max_age: 40 },
      { q: 'okafor', gender: 'female', min_age: 30 },
    ],
    insert: (client) => insertSampleActors(client, 1, ACTORS),
  },
  movies: {
    rows: MOVIES,
    filters: [
      {},
      { q: 'lighthouse' },
      { q: 'the' },
      { released_from: '2001-01-01', released_to: '2001-12-31' },
      { released_from: '1950-01-01' },
    ],
    insert: (client) => insertSampleMovies(client, 1, MOVIES),
  },
}

/** OTHER_ROWS of the resource's example creates, in one statement. */
function insertExamples({ table, examples }: DeclaredResource, client: pg.Client) {
  const rows = Array.from({ length: OTHER_ROWS }, (_, i) => examples.create(i + 1))
  const columns = Object.keys(rows[0]!).join(', ')
  const name = getTableName(table)
  return client.query(`insert into ${name} (${columns}) select ${columns} from jsonb_populate_recordset(null::${name}, $1)`, [
    JSON.stringify(rows),
  ])
}

// Every registered resource (src/resources/index.ts): each sort either way, a deep page of the second sort, cursor pages.
const resources: Resource[] = (registered as readonly DeclaredResource[]).map((resource) => {
  const sample = SAMPLES[resource.many]
  return {
    table: getTableName(resource.table),
    rows: sample?.rows ?? OTHER_ROWS,
    filters: sample?.filters ?? [{}],
    sorts: resource.sorts.flatMap((sort) => [sort, `-${sort}`]),
    deep: { sort: resource.sorts[1] ?? resource.sorts[0], page: 500 },
    insert: sample?.insert ?? ((client) => insertExamples(resource, client)),
  }
})

type PlanNode = {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Actual Rows': number
  'Actual Loops': number
  'Rows Removed by Filter'?: number
  'Rows Removed by Index Recheck'?: number
  'Shared Hit Blocks': number
  'Shared Read Blocks': number
  Plans?: PlanNode[]
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)]

/** What a plan does to `table`: its scans, whether one is sequential, and how many of its rows it read. */
function readsOf(plan: PlanNode, table: string) {
  const scans = nodesOf(plan).filter((node) => node['Relation Name'] === table)
  const rowsRead = scans.reduce(
    (sum, node) =>
      sum +
      (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * node['Actual Loops'],
    0,
  )
  const shape = nodesOf(plan)
    .filter((node) => node['Relation Name'] === table || node['Index Name'])
    .map((node) => `${node['Node Type']}${node['Index Name'] ? ` on ${node['Index Name']}` : ''}`)
  return {
    sequential: scans.some((node) => node['Node Type'] === 'Seq Scan'),
    rowsRead,
    shape,
    buffers: plan['Shared Hit Blocks'] + plan['Shared Read Blocks'],
  }
}

const qs = (params: Params) => new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString()

const { check, finish } = createChecks()
const scratch = await createScratchDatabase(SERVER, 'casting_scale')
const dataDir = mkdtempSync(join(tmpdir(), 'casting-scale-'))
let stack: DevStack | undefined
// This session makes the data: longer statements than the database's 4 s limit (migrations/0002) allows.
const db = new pg.Client({ connectionString: scratch.url, options: '-c statement_timeout=0' })
try {
  await db.connect()
  const started = performance.now()
  for (const { insert } of resources) await insert(db)
  await db.query(`vacuum analyze ${resources.map(({ table }) => table).join(', ')}`)
  const made = resources.map(({ table, rows }) => `${rows} ${table}`).join(', ')
  console.log(`${made} made and analyzed in ${((performance.now() - started) / 1000).toFixed(1)} s`)

  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  stack = await startDevStack({ port, dataDir, databaseUrl: scratch.url, quiet: true })
  await waitForHealth(base, stack.wrangler)
  const endpoint = stack.endpoint!
  const token = await mintDevToken('assistant', { folder: dataDir })

  /** The list request through the Worker, and its one statement under EXPLAIN (ANALYZE, BUFFERS). */
  const explain = async (table: string, params: Params) => {
    const stop = endpoint.capture()
    const response = await fetch(`${base}/${table}?${qs(params)}`, { headers: { Authorization: `Bearer ${token}` } })
    const body = (await response.json()) as { total?: number }
    const statements = stop()
    // A filtered walk may have nothing left near the end of the table: a 404, after the same statement.
    if (![200, 404].includes(response.status) || statements.length !== 1) {
      throw new Error(`${table}?${qs(params)} answered ${response.status} with ${statements.length} statements: ${JSON.stringify(body)}`)
    }
    const { query, params: values } = statements[0]!
    const { rows } = await db.query({ text: `explain (analyze, buffers, format json) ${query}`, values })
    const plan = (rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan
    return { body, ...readsOf(plan, table) }
  }

  for (const { table, rows, filters, sorts, deep } of resources) {
    console.log(`\n## ${table} (${rows} rows, per_page=${PER_PAGE})`)
    for (const filter of filters) {
      const first = await explain(table, { ...filter, per_page: PER_PAGE })
      const share = (first.body.total ?? Number.NaN) / rows
      const selective = share < SELECTIVE
      const label = Object.keys(filter).length === 0 ? 'no filter' : qs(filter)
      console.log(`\n${label}: ${first.body.total} match (${(100 * share).toFixed(1)}%${selective ? ', selective' : ''})`)
      const plainPages = [{}, ...sorts.map((sort) => ({ sort })), ...(Object.keys(filter).length === 0 ? [deep] : [])]
      for (const extra of plainPages) {
        const params = { ...filter, ...extra, per_page: PER_PAGE }
        const result = await explain(table, params)
        const name = `${table}?${qs(params)}: ${result.shape.join(', ')}; ${result.rowsRead} rows read, ${result.buffers} buffers`
        if (selective) check(`${name}; no sequential scan for a selective filter`, !result.sequential)
        else console.log(`  ${name}`)
      }
      // Without filters, or with a rare gender alone (walked on (lower(gender), id)), a cursor page reads its rows and no more;
      // a walk of a common one may read the primary key instead, and skip a few rows.
      const exact = Object.keys(filter).length === 0 || (Object.keys(filter).join() === 'gender' && share < 0.01)
      for (const after of [0, rows / 2, rows - PER_PAGE / 2]) {
        const params = { ...filter, after, per_page: PER_PAGE }
        const result = await explain(table, params)
        check(
          `${table}?${qs(params)}: ${result.shape.join(', ')}; ${result.rowsRead} rows read, ${result.buffers} buffers; no sequential scan${exact ? `, at most ${PER_PAGE + 1} rows` : ''}, no total`,
          !result.sequential && (!exact || result.rowsRead <= PER_PAGE + 1) && !('total' in result.body),
        )
      }
    }
  }
} catch (error) {
  check('the plan checks ran to the end', false, String(error))
} finally {
  await db.end().catch(() => {})
  await stack?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  await scratch.drop().catch(() => {})
}

finish()
