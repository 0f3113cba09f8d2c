import { actorResource } from './actors.ts'
import { movieResource } from './movies.ts'

/**
 * Every declared resource. src/index.ts mounts each one's sub-app and gives
 * it the database; the event schema, and every cross-cutting test (the
 * permission matrix, path ids, the document, the contract run, the fuzzer,
 * the reset between tests), walk this list, so a resource added here is
 * covered by them all.
 */
export const resources = [actorResource, movieResource] as const
