import { Hono } from 'hono'
import type * as z from 'zod'
import { operationsOf } from '../auth/require-permission.ts'
import { writtenBy } from '../db/recorded.ts'
import type { AppEnv } from '../env.ts'
import { ApiError } from '../errors.ts'
import { castReplaced, deleteCasting, putCasting, replaceCast } from '../queries/castings.ts'
import { actorResource } from '../resources/actors.ts'
import { movieResource } from '../resources/movies.ts'
import { castingDeletedResponse, castingResponse, putCastingSchema, replaceCastSchema } from '../schemas/castings.ts'
import { MAX_CAST, MAX_FILMOGRAPHY } from '../schemas/limits.ts'
import { jsonBody, pathIds } from '../validation.ts'

/** Every route here: under the Castings tag, and for edit:movies only. */
const castingOperation = operationsOf('Castings', 'edit:movies')

/** The 404 for what a casting write found missing: the movie, the actor, or the casting itself. */
const missingError = (missing: 'movie' | 'actor' | 'casting' | 'cast full' | 'filmography full', movieId: number, actorId: number) => {
  if (missing === 'movie') return movieResource.notFound(movieId)
  if (missing === 'actor') return actorResource.notFound(actorId)
  if (missing === 'cast full') return castFull(movieId)
  if (missing === 'filmography full') return filmographyFull(actorId)
  return new ApiError(404, `Actor with id ${actorId} is not cast in movie ${movieId}.`)
}

// API.md D5: what bounds an embedded list bounds castings, each side a rule with its sentence.
const CAST_FULL = `Movie with id {id} has ${MAX_CAST} actors, the most a movie may have.`
const FILMOGRAPHY_FULL = `Actor with id {actor_id} is cast in ${MAX_FILMOGRAPHY} movies, the most an actor may be.`
const castFull = (id: number) => new ApiError(422, CAST_FULL.replace('{id}', String(id)))
const filmographyFull = (id: number) => new ApiError(422, FILMOGRAPHY_FULL.replace('{actor_id}', String(id)))

// Who is cast in what: the original's Performance table, given routes.
// Mounted at the root, since its paths belong to both movies and actors. The
// two read sides are each resource's own: GET /movies/:id/actors in
// movies.ts, GET /actors/:id/movies in actors.ts (each its `include` list).
export const castings = new Hono<AppEnv>()
  .put(
    '/movies/:id/actors',
    ...castingOperation({
      operationId: 'replaceCast',
      summary: "Replace a movie's cast",
      description: `The movie's whole cast becomes this list (at most ${MAX_CAST} entries; a missing \`fee\` is null), all at once: castings not listed are removed, listed ones are created or get that fee. \`{"cast": []}\` empties it.`,
      success: {
        status: 200,
        description: 'The cast as it now is, with fees, in actor id order.',
        schema: movieResource.responses.related,
      },
      errors: {
        404: 'An actor listed does not exist (`Actor with id {actor_id} not found in database.`, the first in list order); nothing was written.',
        422: `An actor is listed twice (\`actor_id 2 is listed twice.\`), or one would be cast in more movies than an actor may be (\`${FILMOGRAPHY_FULL}\`, the first in list order); nothing was written.`,
      },
    }),
    jsonBody(replaceCastSchema),
    pathIds({ id: movieResource.notFound }),
    async (c) => {
      const { id } = c.req.valid('param')
      const result = castReplaced(await c.var.db.batch(replaceCast(c.var.db, writtenBy(c), id, c.req.valid('json').cast)))
      if (result.missing === 'movie') throw movieResource.notFound(id)
      if (result.missing === 'actor') throw actorResource.notFound(result.actorId)
      if (result.full) throw filmographyFull(result.actorId)
      return c.json({ success: true, movie_id: id, cast: result.cast } satisfies z.input<typeof movieResource.responses.related>)
    },
  )

  // Idempotent: the same PUT again changes nothing and answers 200.
  .put(
    '/movies/:id/actors/:actor_id',
    ...castingOperation({
      operationId: 'castActor',
      summary: 'Cast an actor in a movie',
      description: 'Creates the casting, or replaces its fee. The body is optional; without one the fee is null.',
      success: [
        { status: 201, description: 'The casting was created.', schema: castingResponse },
        { status: 200, description: 'The casting existed; it now has this fee.', schema: castingResponse },
      ],
      errors: { 422: `A new casting would pass a bound (\`${CAST_FULL}\`, or \`${FILMOGRAPHY_FULL}\`).` },
    }),
    jsonBody(putCastingSchema, { optional: true }),
    pathIds({ id: movieResource.notFound, actor_id: actorResource.notFound }),
    async (c) => {
      const { id, actor_id } = c.req.valid('param')
      const result = await putCasting(c.var.db, writtenBy(c), id, actor_id, c.req.valid('json').fee)
      if (result.missing) throw missingError(result.missing, id, actor_id)
      return c.json({ success: true, casting: result.casting } satisfies z.input<typeof castingResponse>, result.created ? 201 : 200)
    },
  )

  .delete(
    '/movies/:id/actors/:actor_id',
    ...castingOperation({
      operationId: 'uncastActor',
      summary: 'Remove an actor from a movie',
      success: { status: 200, description: 'The casting that was removed.', schema: castingDeletedResponse },
      errors: { 404: 'The actor is not cast in the movie (`Actor with id {actor_id} is not cast in movie {id}.`).' },
    }),
    pathIds({ id: movieResource.notFound, actor_id: actorResource.notFound }),
    async (c) => {
      const { id, actor_id } = c.req.valid('param')
      const result = await deleteCasting(c.var.db, writtenBy(c), id, actor_id)
      if (result.missing) throw missingError(result.missing, id, actor_id)
      const deleted = { movie_id: id, actor_id }
      return c.json({ success: true, deleted } satisfies z.input<typeof castingDeletedResponse>)
    },
  )
