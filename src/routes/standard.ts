import { Hono } from 'hono'
import { createFactory } from 'hono/factory'
import * as z from 'zod'
import { asOfRead, withAsOf } from '../as-of.ts'
import { requirePermission } from '../auth/require-permission.ts'
import { etagHeader, ifMatch, notModified, whyNothingWritten } from '../conditional.ts'
import { CONTENT_DISPOSITION, csvAccepted, csvAnswer, csvDocumented, oneChunk } from '../csv-export.ts'
import { createBodies } from '../csv-import.ts'
import { writtenBy } from '../db/recorded.ts'
import type { AppEnv } from '../env.ts'
import { ApiError, emptyPage, nothingToUpdate } from '../errors.ts'
import { createAndAnswer, idempotencyKey, REPLAYED } from '../idempotency.ts'
import { operation } from '../openapi.ts'
import { listHistory, restoreDeleted, retentionDays } from '../queries/history.ts'
import { getRow, type ListQuery, listRows, rowsInChunks } from '../queries/rows.ts'
import { deleteRow, holdsChanges, updateRow } from '../queries/writes.ts'
import type { DeclaredResource } from '../resources/declare.ts'
import { deletedSchema } from '../schemas/common.ts'
import { historyQuery, historyResponse } from '../schemas/history.ts'
import { jsonBody, optionalQuery, pathIds, validate } from '../validation.ts'
import { capitalized } from '../words.ts'

// The routes every resource has, each built from its declaration
// (src/resources/): a resource's sub-app lists them as its route table
// (`.get('/', ...list(actorResource))`), beside the routes that are its own.
// Each is the chain a route written out would be: its description for the
// document, the permission, the validators, and the handler.

const factory = createFactory<AppEnv>()

/** The body a handler answers, as the response schema's input: the schema documents the route and types the client. */
type Body<Schema extends z.ZodType> = z.input<Schema>

/** An operation's name (`getActor`, part of the API: generated clients name their methods by it), tag and summary. */
const named = (resource: DeclaredResource, operationId: string, summary: string) => ({
  operationId,
  tag: resource.tag,
  summary,
})

/** The routes every resource has: its sub-app's route table, which its own routes follow. */
export const standardRoutes = <R extends DeclaredResource>(resource: R) =>
  new Hono<AppEnv>()
    .get('/', ...list(resource))
    .post('/', ...create(resource))
    .get('/:id', ...read(resource))
    .patch('/:id', ...update(resource))
    .delete('/:id', ...remove(resource))
    .get('/:id/history', ...history(resource))
    .post('/:id/restore', ...restore(resource))

/** The columns of a resource's export: its JSON fields, in their order. */
const columnsOf = (schema: z.ZodObject) => Object.keys(schema.shape)

/** GET /: a page of the rows matching the filters, with `include`; 404 past the last page. With `Accept: text/csv`, every such row. */
export const list = <R extends DeclaredResource>(resource: R) => {
  const noRows = emptyPage(resource.many, `no ${resource.many} found in database.`)
  return factory.createHandlers(
    operation({
      ...named(resource, `list${resource.Name}s`, `List ${resource.many}`),
      description: `Filters, sort, page size, and \`page\` or the keyset cursor \`after\` (a page read with \`after\` carries \`next_after\` and no \`total\`); \`include=${resource.include.name}\` embeds each ${resource.one}'s ${resource.include.name}. \`Accept: text/csv\`: every match, as \`${resource.many}.csv\`.`,
      success: {
        status: 200,
        description: `A page of ${resource.many}.`,
        schema: resource.responses.list,
        alternatives: csvDocumented(columnsOf(resource.schema)),
        headers: { 'Content-Disposition': CONTENT_DISPOSITION },
      },
      errors: noRows.errors,
    }),
    requirePermission(resource.permissions.read),
    // A CSV export is every row: what picks a page, or embeds a list in each row, has no place in it.
    csvAccepted(['page', 'per_page', 'after', 'include']),
    validate('query', resource.listQuery as R['listQuery']),
    async (c) => {
      const query = c.req.valid('query') as ListQuery
      if (c.var.csv) return csvAnswer(c, resource.many, columnsOf(resource.schema), rowsInChunks(c.var.db, resource, query))
      const { items, paging } = await listRows(c.var.db, resource, query)
      if (items.length === 0) throw noRows.error()
      return c.json({ success: true, [resource.many]: items, ...paging } as Body<R['responses']['list']>)
    },
  )
}

/**
 * POST /: one row (201 with Location), or an array of up to 100, all or none;
 * or a CSV file of up to 5,000 rows, as an array; safe to retry under `Idempotency-Key`.
 */
export const create = <R extends DeclaredResource>(resource: R) => {
  const created = z.xor([resource.responses.created, resource.responses.bulkCreated])
  return factory.createHandlers(
    operation({
      ...named(resource, `create${resource.Name}`, `Create ${resource.a}, or up to 100 at once`),
      description:
        'An array of up to 100 creates them all or none, and answers them in input order, without `Location`; so does a CSV file.',
      success: {
        status: 201,
        description: 'Created.',
        schema: created,
        headers: {
          Location: { description: `The new ${resource.one} (\`/${resource.many}/<id>\`); not on a bulk create.`, optional: true },
          'Idempotent-Replayed': REPLAYED,
        },
      },
    }),
    requirePermission(resource.permissions.create),
    idempotencyKey,
    createBodies(resource),
    async (c) => {
      // One object answers `{created: id, <one>}` with a Location; an array, `{created: [ids], <many>}` (API.md C2).
      const input = c.req.valid('json') as Record<string, unknown> | Record<string, unknown>[]
      const bulk = Array.isArray(input)
      const { body, headers } = await createAndAnswer(c, resource, bulk ? input : [input], !bulk)
      return c.json(body as Body<R['responses']['created']> | Body<R['responses']['bulkCreated']>, 201, headers)
    },
  )
}

/** GET /:id: the row with its ETag (304 on If-None-Match), and with `include`. */
export const read = <R extends DeclaredResource>(resource: R) =>
  factory.createHandlers(
    operation({
      ...named(resource, `get${resource.Name}`, `Get ${resource.a}`),
      description: `Carries a strong \`ETag\`, which covers the embedded list with \`include=${resource.include.name}\`; \`If-None-Match\` with it answers 304.`,
      success: {
        status: 200,
        description: `The ${resource.one}.`,
        schema: withAsOf(resource.responses.one as z.ZodObject),
        headers: { ETag: { description: `A strong ETag of the ${resource.one}; none with \`as_of\`.`, optional: true } },
      },
    }),
    requirePermission(resource.permissions.read),
    asOfRead(resource),
    optionalQuery(resource.getQuery as R['getQuery']),
    pathIds({ id: resource.notFound }),
    notModified(),
    async (c) => {
      const { id } = c.req.valid('param')
      const row = await getRow(c.var.db, resource, id, (c.req.valid('query') as { include?: string }).include)
      if (!row) throw resource.notFound(id)
      const { etag, ...shown } = row
      return c.json({ success: true, [resource.one]: shown } as Body<R['responses']['one']>, 200, etagHeader(etag))
    },
  )

/** PATCH /:id: 422 when nothing would change, as the original: the client's view is stale or its request pointless. */
export const update = <R extends DeclaredResource>(resource: R) =>
  factory.createHandlers(
    operation({
      ...named(resource, `update${resource.Name}`, `Update ${resource.a}`),
      description: `At least one field. With \`If-Match\`, writes only if the ${resource.one} is unchanged since that ETag.`,
      success: {
        status: 200,
        description: `The updated ${resource.one}, in a one-element list.`,
        schema: resource.responses.updated,
        headers: { ETag: 'The new ETag.' },
      },
      errors: { 422: 'Nothing would change (`provided field values are already set. No update needed.`).' },
    }),
    requirePermission(resource.permissions.edit),
    ifMatch,
    jsonBody(resource.update as R['update']),
    pathIds({ id: resource.notFound }),
    async (c) => {
      const { id } = c.req.valid('param')
      const changes = c.req.valid('json') as Record<string, unknown>
      const { rows } = await updateRow(c.var.db, writtenBy(c), resource, id, changes, c.var.ifMatch)
      const { current, differs, row, etag } = rows[0]!
      if (!row || !etag) {
        // Without If-Match, a change that would have written but did not met a concurrent write after the statement
        // read the row: a delete (404, though a restore may have brought the row back since) or one that wrote these
        // same values (422). A second statement tells which.
        if (differs && !c.var.ifMatch)
          throw (await holdsChanges(c.var.db, resource, id, changes)) ? nothingToUpdate() : resource.notFound(id)
        // With If-Match, it is 412, not "no update needed".
        const otherwise = c.var.ifMatch && differs ? undefined : nothingToUpdate()
        throw whyNothingWritten(current ?? undefined, c.var.ifMatch, resource.notFound(id), otherwise)
      }
      return c.json({ success: true, updated: id, [resource.one]: [row] } as Body<R['responses']['updated']>, 200, etagHeader(etag))
    },
  )

/** DELETE /:id: the row and, by cascade, its castings. */
export const remove = <R extends DeclaredResource>(resource: R) =>
  factory.createHandlers(
    operation({
      ...named(resource, `delete${resource.Name}`, `Delete ${resource.a}`),
      description: `Deletes the ${resource.one} and ${resource.their} castings. With \`If-Match\`, only if unchanged since that ETag.`,
      success: { status: 200, description: `The id of the deleted ${resource.one}.`, schema: deletedSchema },
    }),
    requirePermission(resource.permissions.delete),
    ifMatch,
    pathIds({ id: resource.notFound }),
    async (c) => {
      const { id } = c.req.valid('param')
      const { rows } = await deleteRow(c.var.db, writtenBy(c), resource, id, c.var.ifMatch)
      const { current, row } = rows[0]!
      // Without If-Match, only a concurrent delete stops one after the statement read the row: 404, as for PATCH.
      if (!row) throw c.var.ifMatch ? whyNothingWritten(current ?? undefined, c.var.ifMatch, resource.notFound(id)) : resource.notFound(id)
      return c.json({ success: true, deleted: id } satisfies Body<typeof deletedSchema>)
    },
  )

const noEvents = emptyPage('events', 'no events found.')

/** GET /:id/history: the row's events and its castings', newest first; a deleted row's too. */
export const history = <R extends DeclaredResource>(resource: R) =>
  factory.createHandlers(
    operation({
      ...named(resource, `list${resource.Name}History`, `${capitalized(resource.a)}'s history`),
      description: `Every change to the ${resource.one} and its castings, newest first, paged as lists are; it answers for a deleted ${resource.one} too, within \`HISTORY_RETENTION_DAYS\`.`,
      success: { status: 200, description: 'A page of events.', schema: historyResponse },
      errors: {
        404: `No events of that ${resource.one} (\`${resource.notFound('{id}').message}\`), or none on this page (\`${noEvents.message}\`).`,
      },
    }),
    requirePermission('read:history'),
    validate('query', historyQuery),
    pathIds({ id: resource.notFound }),
    async (c) => {
      const { id } = c.req.valid('param')
      const { page = 1, per_page } = c.req.valid('query')
      const { rows } = await listHistory(c.var.db, resource, id, page, per_page, retentionDays(c.env))
      const { total, history } = rows[0]!
      if (total === 0) throw resource.notFound(id)
      // Paged as lists are (API.md D5): past the last page is a 404, not an empty page.
      if (!history) throw noEvents.error()
      const events = history as Body<typeof historyResponse>['history']
      return c.json({ success: true, history: events, page, per_page, total } satisfies Body<typeof historyResponse>)
    },
  )

/** POST /:id/restore: a delete undone, with the same id, its last values, and the castings that delete removed. */
export const restore = <R extends DeclaredResource>(resource: R) =>
  factory.createHandlers(
    operation({
      ...named(resource, `restore${resource.Name}`, `Restore a deleted ${resource.one}`),
      description: `Brings back a deleted ${resource.one} with its id and last values, and the castings its delete removed whose other side still exists, in one transaction.`,
      success: { status: 200, description: `The restored ${resource.one}.`, schema: resource.responses.restored },
      errors: {
        404: `It never existed, or its delete is past retention (\`${resource.notFound('{id}').message}\`).`,
        409: `It exists (\`${resource.Name} with id {id} exists.\`).`,
      },
    }),
    requirePermission(resource.permissions.delete),
    pathIds({ id: resource.notFound }),
    async (c) => {
      const { id } = c.req.valid('param')
      const outcome = await restoreDeleted(c.var.db, writtenBy(c, 'restore'), resource, id, retentionDays(c.env))
      if (outcome.exists) throw new ApiError(409, `${resource.Name} with id ${id} exists.`)
      if (!outcome.row) throw resource.notFound(id)
      const body = { success: true, restored: id, [resource.one]: outcome.row, castings_restored: outcome.castings_restored }
      return c.json(body as Body<R['responses']['restored']>)
    },
  )

/**
 * GET /:id/<related>: what `include` embeds, for one row (`GET /actors/:id/movies`); mounted by the resource's sub-app.
 * With `Accept: text/csv`, the same list as the file `<one>-<id>-<related>.csv` (`movie-1-cast.csv`).
 */
export const related = <R extends DeclaredResource>(resource: R) =>
  factory.createHandlers(
    operation({
      operationId: resource.include.operationId,
      tag: resource.include.tag ?? resource.tag,
      summary: resource.include.summary,
      success: {
        status: 200,
        description: capitalized(resource.include.description),
        schema: resource.responses.related,
        alternatives: csvDocumented(columnsOf(resource.include.items)),
        headers: { 'Content-Disposition': CONTENT_DISPOSITION },
      },
    }),
    requirePermission(resource.permissions.read),
    csvAccepted(),
    pathIds({ id: resource.notFound }),
    async (c) => {
      const { id } = c.req.valid('param')
      const items = await resource.include.list(c.var.db, id)
      if (!items) throw resource.notFound(id)
      if (c.var.csv) {
        const filename = `${resource.one}-${id}-${resource.include.name}`
        return csvAnswer(c, filename, columnsOf(resource.include.items), oneChunk(items as Record<string, unknown>[]))
      }
      return c.json({ success: true, [resource.key]: id, [resource.include.name]: items } as Body<R['responses']['related']>)
    },
  )
