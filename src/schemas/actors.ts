import * as z from 'zod'
import { listResponse, successSchema, withoutNul } from './common.ts'
import { DEFAULT_GENDER, MAX_AGE, MAX_GENDER, MAX_NAME, MIN_AGE } from './limits.ts'
import { ageParam, checkCursor, includeParam, pagingParams, sortParam, textParam } from './listing.ts'

const NAME_RULE = `name must be a string of 1 to ${MAX_NAME} characters.`
const AGE_RULE = `age must be an integer between ${MIN_AGE} and ${MAX_AGE}.`
const GENDER_RULE = `gender must be a string of 1 to ${MAX_GENDER} characters.`

// Missing and null read the same, as in the original: nothing was provided.
const name = z
  .string({ error: (issue) => (issue.input == null ? 'no name provided.' : NAME_RULE) })
  .trim()
  .min(1, { error: 'no name provided.' })
  .max(MAX_NAME, { error: NAME_RULE })
  .refine(...withoutNul('name'))
const age = z
  .number({ error: (issue) => (issue.input == null ? 'no age provided.' : AGE_RULE) })
  .int({ error: AGE_RULE })
  .min(MIN_AGE, { error: AGE_RULE })
  .max(MAX_AGE, { error: AGE_RULE })
const gender = z
  .string({ error: GENDER_RULE })
  .trim()
  .min(1, { error: GENDER_RULE })
  .max(MAX_GENDER, { error: GENDER_RULE })
  .refine(...withoutNul('gender'))

export const createActorSchema = z.strictObject({ name, age, gender: gender.default(DEFAULT_GENDER) })
export const updateActorSchema = z.strictObject({ name: name.optional(), age: age.optional(), gender: gender.optional() })

export const listActorsQuery = z
  .object({
    q: textParam('q', MAX_NAME)
      .optional()
      .meta({
        description: `Actors whose name contains this, case-insensitively (\`%\` and \`_\` are plain characters); at most ${MAX_NAME} characters. Empty matches every actor.`,
      }),
    gender: textParam('gender', MAX_GENDER)
      .optional()
      .meta({
        description: `Actors of this gender, matched exactly but case-insensitively (\`female\` finds \`Female\`); at most ${MAX_GENDER} characters. Empty matches none.`,
      }),
    min_age: ageParam('min_age')
      .optional()
      .meta({ description: `Actors at least this old, inclusive: an integer, ${MIN_AGE} to ${MAX_AGE}.` }),
    max_age: ageParam('max_age')
      .optional()
      .meta({ description: `Actors at most this old, inclusive: an integer, ${MIN_AGE} to ${MAX_AGE}.` }),
    sort: sortParam(['id', 'name', 'age']).optional(),
    include: includeParam(['movies']).optional(),
    ...pagingParams,
  })
  .superRefine(checkCursor)

/** GET /actors/:id: `include=movies` embeds the actor's movies. */
export const getActorQuery = z.object({ include: includeParam(['movies']).optional() })

export const actorSchema = z
  .object({ id: z.int32().positive(), name: z.string(), age: z.int().min(MIN_AGE).max(MAX_AGE), gender: z.string() })
  .meta({ id: 'Actor', example: { id: 1, name: 'Matthew', age: 25, gender: 'Male' } })

export type CreateActor = z.output<typeof createActorSchema>
export type UpdateActor = z.output<typeof updateActorSchema>
export type ListActorsQuery = z.output<typeof listActorsQuery>
export type ActorInclude = z.output<typeof getActorQuery>['include']

export const actorListResponse = listResponse(successSchema.extend({ actors: z.array(actorSchema) }))
export const actorResponse = successSchema.extend({ actor: actorSchema })
export const actorCreatedResponse = successSchema.extend({ created: z.int32().positive(), actor: actorSchema })
/** A bulk create: ids and actors in input order. */
export const actorsCreatedResponse = successSchema.extend({ created: z.array(z.int32().positive()), actors: z.array(actorSchema) })
export const actorUpdatedResponse = successSchema.extend({ updated: z.int32().positive(), actor: z.array(actorSchema).length(1) })
