import { getTableName, type SQL, sql } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'

/** What the statements shared by every resource need to know of one (src/resources/declare.ts declares it). */
export type Resource = {
  table: PgTable
  fields: Record<string, PgColumn>
  /** The JSON key of one (`actor`) and of many (`actors`); the second is also its path. */
  one: string
  many: string
  /** The id's name in events and castings (`actor_id`). */
  key: string
}

/** A name the statement is built with, never a value: quoted as a SQL string literal. */
export const literal = (name: string) => sql.raw(`'${name.replace(/'/g, "''")}'`)

/**
 * A column named with `alias`, or with its own table, as a correlated subquery
 * or a CTE needs: drizzle leaves a column unqualified in a statement that reads one table.
 */
export const qualified = (column: PgColumn, alias = getTableName(column.table)) =>
  sql`${sql.identifier(alias)}.${sql.identifier(column.name)}`

/**
 * A row of `fields` as the API shows it, built by the database:
 * `json_build_object('id', alias.id, …)`, keys in the list's order; without
 * `alias`, each column of its own table.
 */
export const rowJson = (fields: Record<string, PgColumn>, alias?: string): SQL =>
  sql`json_build_object(${sql.join(
    Object.entries(fields).map(([key, column]) => sql`${literal(key)}, ${qualified(column, alias)}`),
    sql`, `,
  )})`

/** The column list of `fields`, for INSERT and RETURNING; with `alias`, those columns of that row. */
export const columnList = (fields: Record<string, PgColumn>, alias?: string) =>
  sql.join(
    Object.values(fields).map((column) =>
      alias ? sql`${sql.identifier(alias)}.${sql.identifier(column.name)}` : sql.identifier(column.name),
    ),
    sql`, `,
  )
