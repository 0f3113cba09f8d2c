import { getTableConfig } from 'drizzle-orm/pg-core'
import type { DeclaredResource } from '../src/resources/declare'
import { resources } from '../src/resources/index'

// The tests that hold for every resource walk the registry (src/resources/index.ts), so a
// resource declared and registered there is covered by them with no edit here.

/** Every registered resource, as the code shared by all of them sees one. */
export const registered: readonly DeclaredResource[] = resources

/** The resource a path belongs to, by its first segment (`/actors/{id}/movies` → actors); undefined for any other path. */
export const resourceOf = (path: string) => registered.find((resource) => resource.many === path.split('/')[1])

/** The resource whose id a path parameter is: `id` the path's own, `actor_id` an actor's. */
export function resourceOfParam(path: string, name: string) {
  const resource = name === 'id' ? resourceOf(path) : registered.find(({ key }) => key === name)
  if (!resource) throw new Error(`${path}: no registered resource has the id {${name}}`)
  return resource
}

/** The path (`/actors/:id` or `/actors/{id}`) with each id replaced by `idOf` of the resource it names. */
export const withIds = (path: string, idOf: (resource: DeclaredResource, name: string) => string | number) =>
  path.replace(/[:{](\w+)\}?/g, (_, name: string) => String(idOf(resourceOfParam(path, name), name)))

/**
 * The foreign keys among a resource's fields (actors' `agent_id`), each with
 * the registered resource it names, as the resource's table declares them.
 */
export function foreignKeysOf(resource: DeclaredResource) {
  return getTableConfig(resource.table).foreignKeys.flatMap((foreignKey) => {
    const { columns, foreignTable } = foreignKey.reference()
    const field = Object.keys(resource.fields).find((name) => columns.length === 1 && resource.fields[name] === columns[0])
    const parent = registered.find(({ table }) => table === foreignTable)
    return field && parent ? [{ field, parent }] : []
  })
}

/** The registered resources, each after every resource its foreign keys name: the order to seed them in. */
export function parentsFirst(): DeclaredResource[] {
  const ordered: DeclaredResource[] = []
  const visit = (resource: DeclaredResource, path: DeclaredResource[]) => {
    if (ordered.includes(resource)) return
    if (path.includes(resource)) throw new Error(`the foreign keys of ${resource.many} form a cycle`)
    for (const { parent } of foreignKeysOf(resource)) if (parent !== resource) visit(parent, [...path, resource])
    ordered.push(resource)
  }
  for (const resource of registered) visit(resource, [])
  return ordered
}
