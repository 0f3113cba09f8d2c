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
