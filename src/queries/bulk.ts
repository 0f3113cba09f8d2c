import { getTableColumns, getTableName, sql } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Database } from '../db/client'
import type { RowOf } from './castings'

/**
 * Inserts `rows` in one statement, all or none, and answers them as `fields`
 * in input order (API.md C2). RETURNING promises no order, so each input row
 * gets its id from the table's own sequence first, beside its position
 * (`with ordinality`), and the result is ordered by that position. The rows
 * go as one JSON parameter, read with the table's own row type, whatever
 * their number.
 */
export function insertInOrder<Fields extends Record<string, PgColumn>>(
  db: Database,
  table: PgTable,
  fields: Fields,
  rows: readonly Record<string, unknown>[],
) {
  const columns = getTableColumns(table)
  const id = sql.identifier(fields.id!.name)
  const names = Object.keys(rows[0]!).map((key) => sql.identifier(columns[key]!.name))
  const list = sql.join(names, sql`, `)
  return db.execute<RowOf<Fields>>(sql`
    with input as (
      select nextval(pg_get_serial_sequence(${getTableName(table)}, ${fields.id!.name}))::int as ${id}, item.ordinality,
        ${sql.join(
          names.map((name) => sql`item.${name}`),
          sql`, `,
        )}
      from json_populate_recordset(null::${table}, ${JSON.stringify(rows)}::json) with ordinality as item
    ),
    inserted as (
      insert into ${table} (${id}, ${list}) overriding system value
      select ${id}, ${list} from input
      returning ${sql.join(Object.values(fields), sql`, `)}
    )
    select inserted.* from inserted join input using (${id}) order by input.ordinality`)
}
