// `npm run bench`: what a page costs deep in a large table, keyset against
// offset, through the whole stack (`npm run dev`: Worker, bridge, PGlite).
// Cases run interleaved, so the machine's noise falls on all of them alike;
// compare the ratios, not the milliseconds.
import pg from 'pg'
import { mintDevToken } from './lib/dev-issuer.ts'
import { startDevServer } from './lib/dev-server.ts'

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30)
const PER_PAGE = 20

const dev = await startDevServer()
try {
  const client = new pg.Client({ connectionString: dev.databaseUrl })
  await client.connect()
  await client.query(
    `insert into actors (name, age, gender)
     select 'Actor ' || i, i % 151, (array['Female', 'Male', 'Other'])[1 + i % 3] from generate_series(1, $1::int) as i`,
    [ROWS],
  )
  await client.query('analyze actors')
  await client.end()

  const token = await mintDevToken('assistant', { folder: dev.dataDir })
  const deepPage = Math.floor(ROWS / PER_PAGE) - 1
  const cases = {
    'offset, first page': `/actors?per_page=${PER_PAGE}&page=1`,
    [`offset, page ${deepPage}`]: `/actors?per_page=${PER_PAGE}&page=${deepPage}`,
    'keyset, after=1': `/actors?per_page=${PER_PAGE}&after=1`,
    [`keyset, after=${ROWS - 2 * PER_PAGE}`]: `/actors?per_page=${PER_PAGE}&after=${ROWS - 2 * PER_PAGE}`,
    'keyset + filter, after=1': `/actors?per_page=${PER_PAGE}&gender=female&min_age=30&after=1`,
    [`keyset + filter, after=${ROWS - 10 * PER_PAGE}`]: `/actors?per_page=${PER_PAGE}&gender=female&min_age=30&after=${ROWS - 10 * PER_PAGE}`,
  }
  const timings = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]))

  const request = async (path: string) => {
    const response = await fetch(`${dev.base}${path}`, { headers: { Authorization: `Bearer ${token}` } })
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`)
    await response.arrayBuffer()
  }
  for (const path of Object.values(cases)) await request(path) // warm up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, path] of Object.entries(cases)) {
      const started = performance.now()
      await request(path)
      timings.get(name)!.push(performance.now() - started)
    }
  }

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  const medians = Object.fromEntries([...timings].map(([name, values]) => [name, median(values)]))
  console.log(`\n${ROWS} actors, ${PER_PAGE} per page, median of ${ROUNDS} interleaved rounds (ms, whole request):`)
  for (const [name, ms] of Object.entries(medians)) console.log(`  ${name.padEnd(34)} ${ms.toFixed(1).padStart(8)}`)
  const names = Object.keys(cases)
  const ratio = (deep: string, start: string) => (medians[deep]! / medians[start]!).toFixed(2)
  console.log('\ndeep page / first page:')
  console.log(`  offset          ${ratio(names[1]!, names[0]!)}x`)
  console.log(`  keyset          ${ratio(names[3]!, names[2]!)}x`)
  console.log(`  keyset + filter ${ratio(names[5]!, names[4]!)}x`)
} finally {
  await dev.stop()
}
