// `npm run db:check`: proves the migrations on a real PostgreSQL server
// (TEST_DATABASE_URL, default the local one), each check in a database of its
// own that it creates and drops:
// - schema.ts and migrations/ agree: drizzle-kit would generate nothing new;
// - every migration applies to an empty database, and applying again is a no-op;
// - a database at the previous migration, with rows, migrates and keeps them;
// - a new session is bounded by the database's statement_timeout (4 s), which
//   the migrator lifts for itself, so a migration longer than that completes;
// - a failing migration changes nothing: drizzle's migrator runs all pending
//   migrations in one transaction (what the README promises for `db:migrate`).
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import pg from 'pg'
import { createChecks } from './lib/checks.ts'
import { migrateWith } from './lib/migrate.ts'
import { migrationsFolder, root } from './lib/paths.ts'
import { createScratchDatabase, type ScratchDatabase } from './lib/scratch-database.ts'

const serverUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const work = mkdtempSync(join(tmpdir(), 'casting-migrations-'))
const databases: ScratchDatabase[] = []
const checks = createChecks()

type Journal = { entries: Array<{ idx: number; when: number; tag: string }> }
const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as Journal

async function check(name: string, body: () => Promise<void> | void) {
  try {
    await body()
    checks.check(name, true)
  } catch (error) {
    checks.check(name, false, error instanceof Error ? error.message : String(error))
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message)
}

/** A copy of migrations/ with only the first `count` migrations (and `extra` after them), for the migrator. */
function migrationsCopy(name: string, count: number, extra: Array<{ tag: string; sql: string }> = []) {
  const folder = join(work, name)
  cpSync(migrationsFolder, folder, { recursive: true })
  const entries = journal.entries.slice(0, count)
  const last = entries.at(-1)?.when ?? 0
  extra.forEach(({ tag, sql }, i) => {
    writeFileSync(join(folder, `${tag}.sql`), sql)
    entries.push({ ...journal.entries[0], idx: entries.length, when: last + 1000 * (i + 1), tag } as Journal['entries'][number])
  })
  writeFileSync(join(folder, 'meta/_journal.json'), JSON.stringify({ ...journal, entries }))
  return folder
}

async function withClient<T>(url: string, body: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end()
  }
}

/** A new, empty database on the server; dropped at the end. */
async function freshDatabase() {
  const database = await createScratchDatabase(serverUrl, 'casting_migrations', { migrate: false })
  databases.push(database)
  return database.url
}

const migrateTo = (url: string, folder: string) => withClient(url, (client) => migrateWith(client, folder))

const applied = (client: pg.Client) =>
  client.query<{ count: string }>('select count(*) from drizzle.__drizzle_migrations').then((r) => Number(r.rows[0]?.count))

/** Names and kinds of everything in the public schema: tables, indexes, sequences. */
const relations = (client: pg.Client) =>
  client
    .query<{ relation: string }>(
      `select c.relkind::text || ' ' || c.relname as relation from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' order by 1`,
    )
    .then((r) => r.rows.map((row) => row.relation))

/** Columns the last migration moved, and where their values now are: read from there, they must be as they were. */
const moved: Record<string, string> = {
  'events.actor_id': `("keys" ->> 'actor_id')::integer`,
  'events.movie_id': `("keys" ->> 'movie_id')::integer`,
}

/** Every row of every public table, by the columns the table has now (or those of `columnsOf`). */
async function rows(client: pg.Client, columnsOf?: Map<string, string[]>) {
  const columns = new Map<string, string[]>()
  const { rows: found } = await client.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns where table_schema = 'public' order by table_name, ordinal_position`,
  )
  for (const { table_name, column_name } of found) columns.set(table_name, [...(columns.get(table_name) ?? []), column_name])
  const data: Record<string, unknown[]> = {}
  for (const [table, names] of columnsOf ?? columns) {
    const read = names.map((name) => (columnsOf && moved[`${table}.${name}`]) || `"${name}"`)
    const list = read.map((expression, i) => `${expression} as "${names[i]}"`).join(', ')
    // By text: a json column (a stored response) has no ordering of its own.
    const order = read.map((expression) => `(${expression})::text`).join(', ')
    data[table] = (await client.query(`select ${list} from "${table}" order by ${order}`)).rows
  }
  return { columns, data }
}

let schemaInSync = false
try {
  const out = relative(root, join(work, 'generated'))
  cpSync(migrationsFolder, join(work, 'generated'), { recursive: true })
  const kit = (args: string[]) =>
    spawnSync(join(root, 'node_modules/.bin/drizzle-kit'), [...args, '--dialect', 'postgresql', '--out', out], {
      cwd: root,
      encoding: 'utf8',
    })

  await check('drizzle-kit check: the migration history is consistent', () => {
    const result = kit(['check'])
    assert(result.status === 0, `drizzle-kit check exited with ${result.status}: ${result.stdout}${result.stderr}`)
  })

  await check('drizzle-kit generate: src/db/schema.ts and migrations/ agree (nothing new to generate)', () => {
    const result = kit(['generate', '--schema', './src/db/schema.ts'])
    assert(result.status === 0, `drizzle-kit generate exited with ${result.status}: ${result.stderr}`)
    const generated = JSON.parse(readFileSync(join(work, 'generated/meta/_journal.json'), 'utf8')) as Journal
    const extra = generated.entries.slice(journal.entries.length).map((entry) => entry.tag)
    assert(
      extra.length === 0,
      `the schema has changes no migration holds; run \`npm run db:generate\` (it would write ${extra.join(', ')})`,
    )
    schemaInSync = true
  })

  await check('npm run db:generate, as the README runs it, finds nothing to generate', () => {
    // It writes into migrations/ when there is something to generate: only once the check above found nothing.
    assert(schemaInSync, 'not run: the schema and migrations/ disagree (above)')
    const result = spawnSync('npm', ['run', 'db:generate'], { cwd: root, encoding: 'utf8' })
    assert(
      result.status === 0 && result.stdout.includes('No schema changes'),
      `npm run db:generate exited with ${result.status}: ${result.stdout}${result.stderr}`,
    )
  })

  await check(`all ${journal.entries.length} migrations apply to an empty database, and again as a no-op`, async () => {
    const url = await freshDatabase()
    await migrateTo(url, migrationsFolder)
    await withClient(url, async (client) => {
      assert((await applied(client)) === journal.entries.length, 'not every migration was recorded as applied')
      const tables = (await relations(client)).filter((r) => r.startsWith('r ')).map((r) => r.slice(2))
      for (const table of ['actors', 'movies', 'castings']) assert(tables.includes(table), `no table ${table}`)
    })
    const before = await withClient(url, relations)
    await migrateTo(url, migrationsFolder)
    await withClient(url, async (client) => {
      assert((await applied(client)) === journal.entries.length, 'a second run applied something again')
      assert(JSON.stringify(await relations(client)) === JSON.stringify(before), 'a second run changed the schema')
    })
  })

  const previous = journal.entries.length - 1
  await check(
    `a database at the previous migration (${journal.entries[previous - 1]?.tag ?? 'none'}) migrates with its rows kept`,
    async () => {
      assert(previous >= 1, 'there is only one migration')
      const url = await freshDatabase()
      await migrateTo(url, migrationsCopy('previous', previous))
      // Rows as the tables stand at the previous migration; change these if a
      // later migration renames what they name.
      const before = await withClient(url, async (client) => {
        await client.query(
          `insert into actors (name, age, gender) values ('Frances McDormand', 67, 'Female'), ('William H. Macy', 75, 'Male')`,
        )
        await client.query(`insert into movies (title, release_date) values ('Fargo', '1996-03-08'), ('Orlando', '1992-09-01')`)
        await client.query(`insert into castings (movie_id, actor_id, fee) values (1, 1, 125000.50), (1, 2, null)`)
        // The triggers wrote the events; a stored response is the one row no write makes.
        await client.query(
          `insert into idempotency_keys (subject, key, fingerprint, status, body, location) values ('auth0|a', 'k', 'f', 201, '{"success": true}', '/actors/1')`,
        )
        // The feed's purge watermark, which only the upkeep writes.
        await client.query(`insert into events_purged (txid, id) values (1, 1)`)
        return rows(client)
      })
      await migrateTo(url, migrationsFolder)
      await withClient(url, async (client) => {
        assert((await applied(client)) === journal.entries.length, 'the last migration was not applied')
        const after = await rows(client, before.columns)
        for (const [table, kept] of Object.entries(before.data)) {
          assert(kept.length > 0, `no rows were inserted into ${table}`)
          assert(JSON.stringify(after.data[table]) === JSON.stringify(kept), `rows of ${table} changed`)
        }
      })
    },
  )

  await check('the database bounds every session at 4 s, and a migration outlasts it (the runner lifts it)', async () => {
    const url = await freshDatabase()
    await migrateTo(url, migrationsFolder)
    const setting = await withClient(url, (client) =>
      client.query<{ setting: string; source: string }>(`select setting, source from pg_settings where name = 'statement_timeout'`),
    )
    assert(
      setting.rows[0]?.setting === '4000' && setting.rows[0]?.source === 'database',
      `a new session has statement_timeout ${JSON.stringify(setting.rows[0])}`,
    )
    const slow = migrationsCopy('slow', journal.entries.length, [{ tag: '9999_slow', sql: 'SELECT pg_sleep(4.5);' }])
    await migrateTo(url, slow)
    await withClient(url, async (client) =>
      assert((await applied(client)) === journal.entries.length + 1, 'the slow migration was not applied'),
    )
  })

  await check('a failing migration rolls back every migration of the same run', async () => {
    const url = await freshDatabase()
    await migrateTo(url, migrationsCopy('base', previous))
    const before = await withClient(url, relations)
    const broken = migrationsCopy('broken', journal.entries.length, [
      { tag: '9999_broken', sql: 'CREATE TABLE "rollback_probe" ("id" integer);\n--> statement-breakpoint\nSELECT 1 / 0;' },
    ])
    const error = await migrateTo(url, broken).then(
      () => undefined,
      (e: unknown) => e,
    )
    assert(error, 'the broken migration did not fail')
    await withClient(url, async (client) => {
      assert((await applied(client)) === previous, 'a migration of the failed run was recorded as applied')
      assert(JSON.stringify(await relations(client)) === JSON.stringify(before), 'the failed run left schema changes behind')
    })
  })
} finally {
  for (const database of databases)
    await database.drop().catch((error: unknown) => console.error(`could not drop a database: ${String(error)}`))
  rmSync(work, { recursive: true, force: true })
}

checks.finish()
