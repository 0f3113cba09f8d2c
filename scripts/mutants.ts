// `npm run test:mutants [-- <part of a name>…] [--check]`: puts small, realistic bugs
// into src/, one at a time, runs the tests that should notice, and puts the
// file back. A mutant the tests let through (a survivor) is a promise of the
// README or API.md that no test holds; it counts as a failed check. Each
// mutation is a text replacement that must match exactly once, so one a
// refactor has made stale fails loudly instead of testing nothing.
// Slow (one vitest run per mutant), so not part of .ci/run; `--check` only
// checks that every mutation still matches once, in a second.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChecks } from './lib/checks.ts'
import { root } from './lib/paths.ts'

type Mutant = {
  name: string
  file: string
  from: string
  to: string
  /** The test files that should kill it (the worker project's). */
  tests: string[]
}

/** `contentHash` of a field list without one of its fields: that field no longer moves the ETag. */
const etagWithout = (list: string, field: string) => `contentHash((({ ${field}: _, ...rest }) => rest)(${list}))`

const ETAG_TESTS = ['test/fields.test.ts', 'test/conditional.test.ts']

const MUTANTS: Mutant[] = [
  // Each field left out of its resource's ETag, and out of its field list.
  ...['name', 'age', 'gender'].map((field) => ({
    name: `actor ETag without ${field}`,
    file: 'src/queries/rows.ts',
    from: 'etag: contentHash(fields)',
    to: `etag: ${etagWithout('fields', field)}`,
    tests: ETAG_TESTS,
  })),
  ...['title', 'release_date'].map((field) => ({
    name: `movie ETag without ${field}`,
    file: 'src/queries/rows.ts',
    from: 'etag: contentHash(fields)',
    to: `etag: ${etagWithout('fields', field)}`,
    tests: ETAG_TESTS,
  })),
  ...['name', 'age', 'gender'].map((field) => ({
    name: `actor field list without ${field}`,
    file: 'src/db/fields.ts',
    from: `, ${field}: actors.${field}`,
    to: '',
    tests: ['test/actors.test.ts'],
  })),
  ...['title', 'release_date'].map((field) => ({
    name: `movie field list without ${field}`,
    file: 'src/db/fields.ts',
    from: `, ${field}: movies.${field}`,
    to: '',
    tests: ['test/movies.test.ts'],
  })),
  // A field the routes return, left out of the document; killed by the suite's
  // check of every body against /openapi.json, without test/fields.test.ts.
  {
    name: 'actor response schema without gender',
    file: 'src/schemas/actors.ts',
    from: 'age: z.int().min(MIN_AGE).max(MAX_AGE), gender: z.string() })',
    to: 'age: z.int().min(MIN_AGE).max(MAX_AGE) })',
    tests: ['test/actors.test.ts'],
  },
  {
    name: 'movie response schema without release_date',
    file: 'src/schemas/movies.ts',
    from: 'title: z.string(), release_date: z.iso.date() })',
    to: 'title: z.string() })',
    tests: ['test/movies.test.ts'],
  },
  {
    name: 'a path id of 0 reaches the database',
    file: 'src/schemas/common.ts',
    from: String.raw`if (!/^[1-9]\d{0,9}$/.test(raw)) return undefined`,
    to: String.raw`if (!/^\d{1,10}$/.test(raw)) return undefined`,
    tests: ['test/path-ids.test.ts'],
  },
  {
    // MAX_ID bounds both the parse and the schema of a path id: moving one alone changes nothing.
    name: 'a path id of 2^31 reaches the database',
    file: 'src/schemas/limits.ts',
    from: 'export const MAX_ID = 2_147_483_647',
    to: 'export const MAX_ID = 2_147_483_648',
    tests: ['test/path-ids.test.ts'],
  },
  {
    name: "a related list (GET /movies/:id/actors, GET /actors/:id/movies) requires the other side's read permission",
    file: 'src/routes/standard.ts',
    from: 'requirePermission(resource.permissions.read),\n    csvAccepted(),\n    pathIds({ id: resource.notFound }),',
    to: "requirePermission(resource.one === 'movie' ? 'read:actors' : 'read:movies'),\n    csvAccepted(),\n    pathIds({ id: resource.notFound }),",
    tests: ['test/permissions.test.ts'],
  },
  {
    name: 'Cache-Control: no-store removed',
    file: 'src/index.ts',
    from: "if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store')",
    to: '',
    tests: ['test/http-edges.test.ts'],
  },
  {
    name: 'CORS open to every origin',
    file: 'src/middleware/cors.ts',
    from: 'return origins.includes(origin) ? origin : null',
    to: 'return origin',
    tests: ['test/http-edges.test.ts'],
  },
  // Promises of README.md and API.md, one small bug each.
  {
    name: 'per_page accepts 101',
    file: 'src/schemas/listing.ts',
    from: "boundedInt('per_page', 1, MAX_PER_PAGE)",
    to: "boundedInt('per_page', 1, MAX_PER_PAGE + 1)",
    tests: ['test/listing.test.ts'],
  },
  {
    name: 'a stale If-Match writes anyway (412 dropped)',
    file: 'src/queries/changes.ts',
    from: 'ifMatch && !ifMatch.any ? sql',
    to: 'false ? sql',
    tests: ['test/conditional.test.ts'],
  },
  {
    name: 'If-Match mismatch answered as its otherwise, not 412',
    file: 'src/conditional.ts',
    from: 'return matches(ifMatch, current) ? otherwise : preconditionFailed()',
    to: 'return otherwise',
    tests: ['test/conditional.test.ts'],
  },
  {
    name: 'clock skew of 120 s instead of 60 s',
    file: 'src/auth/verify-token.ts',
    from: 'const CLOCK_TOLERANCE_S = 60',
    to: 'const CLOCK_TOLERANCE_S = 120',
    tests: ['test/auth.test.ts'],
  },
  {
    name: 'unknown fields of POST /actors dropped, not refused',
    file: 'src/schemas/actors.ts',
    from: 'export const createActorSchema = z.strictObject(',
    to: 'export const createActorSchema = z.object(',
    tests: ['test/actors.test.ts', 'test/permissions.test.ts'],
  },
  {
    name: 'unknown fields of PATCH /movies/:id dropped, not refused',
    file: 'src/schemas/movies.ts',
    from: 'export const updateMovieSchema = z.strictObject(',
    to: 'export const updateMovieSchema = z.object(',
    tests: ['test/movies.test.ts', 'test/permissions.test.ts'],
  },
  {
    name: "an id's 404 worded differently",
    file: 'src/errors.ts',
    from: 'not found in database.`)',
    to: 'not found.`)',
    tests: ['test/actors.test.ts'],
  },
  {
    name: 'Retry-After dropped from the database 503',
    file: 'src/errors.ts',
    from: "new ApiError(503, 'database unavailable.', { headers: { 'Retry-After': RETRY_AFTER }, cause })",
    to: "new ApiError(503, 'database unavailable.', { cause })",
    tests: ['test/permissions.test.ts', 'test/database.test.ts'],
  },
  {
    name: 'body limit one byte under 64 KiB',
    file: 'src/validation.ts',
    from: 'const MAX_BODY_BYTES = 64 * 1024',
    to: 'const MAX_BODY_BYTES = 64 * 1024 - 1',
    tests: ['test/permissions.test.ts'],
  },
  {
    name: 'the 429 check dropped',
    file: 'src/auth/require-permission.ts',
    from: 'if (limited) throw tooManyRequests()',
    to: '',
    tests: ['test/rate-limit.test.ts'],
  },
  {
    name: 'sort ignores the descending prefix',
    file: 'src/queries/listing.ts',
    from: 'const direction = sort?.descending ? desc : asc',
    to: 'const direction = sort ? asc : desc',
    tests: ['test/listing.test.ts'],
  },
  {
    name: "q's LIKE wildcards not escaped",
    file: 'src/queries/listing.ts',
    from: "text.replace(/[\\\\%_]/g, '\\\\$&')",
    to: 'text',
    tests: ['test/listing.test.ts'],
  },
  {
    name: 'PATCH writes when nothing would change',
    file: 'src/queries/writes.ts',
    from: 'eq(idOf(resource), id), differsFrom(resource.fields, changes), hashMatches(etag, ifMatch), writer',
    to: 'eq(idOf(resource), id), hashMatches(etag, ifMatch), writer',
    tests: ['test/actors.test.ts'],
  },
  {
    name: 'Location dropped from a create',
    file: 'src/idempotency.ts',
    from: 'headers.Location = outcome.location',
    to: "headers['X-Location'] = outcome.location",
    tests: ['test/movies.test.ts'],
  },
  {
    name: 'unknown fields no longer answered first',
    file: 'src/validation.ts',
    from: "return own.find((issue) => issue.code === 'unrecognized_keys') ?? (own[0] as Issue)",
    to: 'return own[0] as Issue',
    tests: ['test/actors.test.ts', 'test/movies.test.ts', 'test/permissions.test.ts'],
  },
  {
    name: 'a 401 without WWW-Authenticate: Bearer',
    file: 'src/auth/verify-token.ts',
    from: "headers: { 'WWW-Authenticate': tokenSent ? 'Bearer error=\"invalid_token\"' : 'Bearer' },",
    to: "headers: { 'WWW-Authenticate': tokenSent ? 'Bearer error=\"invalid_token\"' : '' },",
    tests: ['test/auth.test.ts', 'test/permissions.test.ts'],
  },
  {
    name: 'the default gender is not Other',
    file: 'src/schemas/limits.ts',
    from: "export const DEFAULT_GENDER = 'Other'",
    to: "export const DEFAULT_GENDER = 'other'",
    tests: ['test/actors.test.ts'],
  },
  {
    name: 'an actor aged 151 accepted',
    file: 'src/schemas/actors.ts',
    from: '.max(MAX_AGE, { error: AGE_RULE })',
    to: '.max(MAX_AGE + 1, { error: AGE_RULE })',
    tests: ['test/actors.test.ts'],
  },
  // The system of record (API.md C3-C5).
  {
    name: 'an Idempotency-Key replays whatever request reuses it (422 dropped)',
    file: 'src/idempotency.ts',
    from: 'if (outcome.replayed && outcome.fingerprint !== key?.fingerprint) throw keyReused()',
    to: 'if (outcome.replayed && false) throw keyReused()',
    tests: ['test/idempotency.test.ts'],
  },
  {
    name: "the history's by left empty",
    file: 'src/db/recorded.ts',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal in src/
    from: "set_config('app.by', ${c.var.subject ?? ''}, true)",
    to: "set_config('app.by', '', true)",
    tests: ['test/history.test.ts'],
  },
  {
    name: 'a restore past retention',
    file: 'src/queries/history.ts',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal in src/
    from: "and ${events.action} = 'delete'\n        and ${events.at} > ${retention(retentionDays)}",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal in src/
    to: "and ${events.action} = 'delete'",
    tests: ['test/history.test.ts'],
  },
  {
    name: 'a token whose sub is a number accepted',
    file: 'src/auth/verify-token.ts',
    from: "(claims.sub !== undefined && typeof claims.sub !== 'string') || ",
    to: '',
    tests: ['test/auth.test.ts'],
  },
  // Part D: the feed, as-of reads, CSV, bounds, browsers (API.md D1-D6).
  {
    name: 'the feed repeats the event at its cursor',
    file: 'src/queries/feed.ts',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal in src/
    from: 'where (${events.txid}, ${events.id}) > ${position}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal in src/
    to: 'where (${events.txid}, ${events.id}) >= ${position}',
    tests: ['test/events.test.ts'],
  },
  {
    name: 'as_of read without read:history',
    file: 'src/as-of.ts',
    from: "if (!Array.isArray(permissions) || !permissions.includes(HISTORY)) throw forbidden('Permission not found.', HISTORY)",
    to: '',
    tests: ['test/as-of.test.ts'],
  },
  {
    name: 'as_of past retention answered',
    file: 'src/as-of.ts',
    from: 'if (Date.parse(moment) < Date.now() - retentionDays(c.env) * DAY_MS) throw new ApiError(410, PAST_RETENTION)',
    to: '',
    tests: ['test/as-of.test.ts'],
  },
  {
    name: 'a CSV cell starting with = exported as a formula',
    file: 'src/csv.ts',
    from: String.raw`const FORMULA = /^'*[=+\-@\t\r\n]/`,
    to: String.raw`const FORMULA = /^'*[+\-@\t\r\n]/`,
    tests: ['test/csv-export.test.ts', 'test/csv.test.ts'],
  },
  {
    name: "CSV import keeps export's leading '",
    file: 'src/csv.ts',
    from: `(cell.startsWith("'") && FORMULA.test(cell) ? cell.slice(1) : cell)`,
    to: '(cell)',
    tests: ['test/csv-import.test.ts', 'test/csv.test.ts'],
  },
  {
    name: 'a lone UTF-16 surrogate accepted',
    file: 'src/schemas/common.ts',
    from: String.raw`[(text: string) => !/\p{Cs}/u.test(text),`,
    to: '[(_text: string) => true,',
    tests: ['test/unicode.test.ts'],
  },
  {
    name: 'an Idempotency-Key accepted from a token without a subject',
    file: 'src/idempotency.ts',
    from: 'if (!c.var.subject) throw new ApiError(400, NO_SUBJECT)',
    to: '',
    tests: ['test/idempotency.test.ts'],
  },
  {
    name: 'per_page 11 accepted with include',
    file: 'src/schemas/listing.ts',
    from: 'query.per_page > MAX_PER_PAGE_WITH_INCLUDE',
    to: 'query.per_page > MAX_PER_PAGE_WITH_INCLUDE + 1',
    tests: ['test/embedding.test.ts', 'test/bounds.test.ts'],
  },
  {
    name: 'a cast replacement of 501 entries accepted',
    file: 'src/schemas/castings.ts',
    from: '.max(MAX_CAST, { error: CAST_RULE })',
    to: '.max(MAX_CAST + 1, { error: CAST_RULE })',
    tests: ['test/cast-replacement.test.ts', 'test/bounds.test.ts'],
  },
  {
    name: 'ETag not exposed to browsers',
    file: 'src/middleware/cors.ts',
    from: "const CORS_EXPOSE_HEADERS = [\n  'ETag',",
    to: 'const CORS_EXPOSE_HEADERS = [',
    tests: ['test/http-edges.test.ts'],
  },
  {
    name: 'a webhook signature without its timestamp',
    file: 'src/webhooks/secrets.ts',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal in src/
    from: 'encoder.encode(`${id}.${timestamp}.${body}`)',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal in src/
    to: 'encoder.encode(`${id}.${body}`)',
    tests: ['test/webhooks.test.ts'],
  },
]

const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' })
const occurrences = (text: string, part: string) => text.split(part).length - 1

const onlyCheck = process.argv.includes('--check')
const filters = process.argv.slice(2).filter((arg) => arg !== '--check')
const chosen = MUTANTS.filter(({ name }) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
if (chosen.length === 0) {
  console.error(`no mutant's name contains ${filters.join(' or ')}`)
  process.exit(1)
}
// `--check` changes nothing, so it runs on any tree.
if (!onlyCheck && git('status', '--porcelain', '--', 'src').trim()) {
  console.error('src/ has uncommitted changes; commit or stash them first, so that every file can be put back as git has it.')
  process.exit(1)
}

const folder = mkdtempSync(join(tmpdir(), 'casting-mutants-'))
process.on('exit', () => rmSync(folder, { recursive: true, force: true }))

// The file being mutated and its text, to put back on any exit.
let mutated: { path: string; original: string } | undefined
let child: ChildProcess | undefined
const restore = () => {
  if (mutated) writeFileSync(mutated.path, mutated.original)
  mutated = undefined
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (child?.pid) process.kill(-child.pid, 'SIGKILL')
    restore()
    console.error(`\n${signal}: src/ restored`)
    process.exit(130)
  })
}

type Outcome = { passed: boolean; failedTests: string[] }

/**
 * Runs the worker project's `tests`. A run that fails without a failed test
 * (the setup broke, say) is neither a pass nor a kill: it throws.
 */
async function runTests(tests: string[]): Promise<Outcome> {
  const report = join(folder, 'report.json')
  rmSync(report, { force: true })
  const vitest = join(root, 'node_modules/.bin/vitest')
  const args = ['run', '--project', 'worker', '--reporter=json', `--outputFile=${report}`, ...tests]
  // Its own process group, so an interrupt can stop workerd and the database with it.
  const code = await new Promise<number | null>((resolve) => {
    child = spawn(vitest, args, { cwd: root, stdio: 'ignore', detached: true })
    child.on('exit', (exitCode) => {
      child = undefined
      resolve(exitCode)
    })
  })
  const results = existsSync(report) ? (JSON.parse(readFileSync(report, 'utf8')) as Report) : undefined
  const failedTests = (results?.testResults ?? []).flatMap((file) => [
    ...(file.status === 'failed' && file.assertionResults.length === 0 ? [`${file.name}: ${file.message}`] : []),
    ...file.assertionResults
      .filter((test) => test.status === 'failed')
      .map((test) => `${file.name.replace(`${root}/`, '')} > ${test.fullName}`),
  ])
  if (code === 0) return { passed: true, failedTests }
  if (failedTests.length === 0) throw new Error(`vitest exited with ${code} and no failed test: ${tests.join(' ')}`)
  return { passed: false, failedTests }
}

type Report = {
  testResults: { name: string; status: string; message?: string; assertionResults: { status: string; fullName: string }[] }[]
}

const checks = createChecks()
if (onlyCheck) {
  for (const { name, file, from } of chosen) {
    const count = occurrences(readFileSync(join(root, file), 'utf8'), from)
    checks.check(`${name}: matches once in ${file}`, count === 1, `${count} times: ${JSON.stringify(from)}`)
  }
  checks.finish()
}
const started = Date.now()
const allTests = [...new Set(chosen.flatMap(({ tests }) => tests))]
const baseline = await runTests(allTests)
checks.check(`the unmutated tree passes ${allTests.join(' ')}`, baseline.passed, baseline.failedTests.join('\n    '))
if (!baseline.passed) checks.finish()

let killed = 0
const survivors: string[] = []
for (const mutant of chosen) {
  const path = join(root, mutant.file)
  const original = readFileSync(path, 'utf8')
  const count = occurrences(original, mutant.from)
  if (count !== 1) {
    checks.check(`${mutant.name}: stale`, false, `${mutant.file} has its text ${count} times, not once: ${JSON.stringify(mutant.from)}`)
    continue
  }
  const at = Date.now()
  let outcome: Outcome | Error
  try {
    mutated = { path, original }
    writeFileSync(
      path,
      original.replace(mutant.from, () => mutant.to),
    )
    outcome = await runTests(mutant.tests).catch((error: Error) => error)
  } finally {
    restore()
  }
  const seconds = ((Date.now() - at) / 1000).toFixed(0)
  const where = `${mutant.file}; ${mutant.tests.join(' ')}; ${seconds} s`
  if (outcome instanceof Error) {
    checks.check(`BROKEN RUN: ${mutant.name} (${where})`, false, outcome.message)
    continue
  }
  if (outcome.passed) survivors.push(mutant.name)
  else killed++
  const by = outcome.failedTests.length > 1 ? ` and ${outcome.failedTests.length - 1} more` : ''
  checks.check(
    `${outcome.passed ? 'SURVIVED' : 'killed'}: ${mutant.name} (${where})${outcome.passed ? '' : `\n    by ${outcome.failedTests[0]}${by}`}`,
    !outcome.passed,
  )
}

const clean = !git('status', '--porcelain', '--', 'src').trim()
checks.check('src/ is as git has it again', clean, git('status', '--porcelain', '--', 'src'))
const tried = killed + survivors.length
console.log(`\nscore: ${killed} of ${tried} mutants killed${survivors.length ? `; survivors: ${survivors.join('; ')}` : ''}`)
console.log(`time: ${((Date.now() - started) / 1000).toFixed(0)} s`)
checks.finish()
