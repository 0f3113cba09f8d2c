import { getTableName } from 'drizzle-orm'
import { ApiError, constraintOf, detailOf, notFoundIn, sqlStateOf } from '../errors.ts'
import { capitalized } from '../words.ts'
import type { Resource } from './resources.ts'

/** The column and value a unique or foreign key violation names (`Key (email)=(a@b.c) already exists.`). */
function keyOf(error: unknown) {
  const [, column, value] = /^Key \((\w+)\)=\((.*)\)/.exec(detailOf(error) ?? '') ?? []
  return column === undefined || value === undefined ? undefined : { column, value }
}

/**
 * A create or update of `resource` that a unique or foreign key constraint of
 * its table refused, as the answer it is: 409 for a value another row holds
 * (`agents_email_unique`: `Agent with email a@b.c exists.`), and for an id
 * that names nothing (`actors_agent_id_…_fk`) that resource's 404 (`Agent with
 * id 9 not found in database.`). The database is the judge: a check before
 * the write would race with another. Any other error comes back as it was.
 */
export function refusal(error: unknown, resource: Resource): unknown {
  const key = keyOf(error)
  const constraint = constraintOf(error)
  if (!key || !constraint?.startsWith(`${getTableName(resource.table)}_${key.column}_`)) return error
  if (sqlStateOf(error) === '23505') return new ApiError(409, `${capitalized(resource.one)} with ${key.column} ${key.value} exists.`)
  if (sqlStateOf(error) === '23503' && key.column.endsWith('_id')) return notFoundIn(capitalized(key.column.slice(0, -3)), key.value)
  return error
}
