import { eq, sql } from 'drizzle-orm'
import { actorFields } from '../db/fields.ts'
import { actors } from '../db/schema.ts'
import { embeddedMovies, listFilmography } from '../queries/castings.ts'
import { actorSchema, createActorSchema, updateActorSchema } from '../schemas/actors.ts'
import { filmographyEntrySchema } from '../schemas/castings.ts'
import { MAX_AGE, MAX_GENDER, MAX_NAME, MIN_AGE } from '../schemas/limits.ts'
import { ageParam, textParam } from '../schemas/listing.ts'
import { bounds, declareResource, filter, search } from './declare.ts'

export const actorResource = declareResource({
  one: 'actor',
  many: 'actors',
  their: 'their',
  table: actors,
  fields: actorFields,
  schema: actorSchema,
  create: createActorSchema,
  update: updateActorSchema,
  filters: {
    q: search(actors.name, MAX_NAME, 'Actors'),
    gender: filter(
      textParam('gender', MAX_GENDER).meta({
        description: `Actors of this gender, matched exactly but case-insensitively (\`female\` finds \`Female\`); at most ${MAX_GENDER} characters. Empty matches none.`,
      }),
      (gender) => eq(sql`lower(${actors.gender})`, gender.toLowerCase()),
    ),
    ...bounds(
      actors.age,
      ageParam,
      ['min_age', `Actors at least this old, inclusive: an integer, ${MIN_AGE} to ${MAX_AGE}.`],
      ['max_age', `Actors at most this old, inclusive: an integer, ${MIN_AGE} to ${MAX_AGE}.`],
    ),
  },
  sorts: ['id', 'name', 'age'],
  include: {
    name: 'movies',
    operationId: 'listFilmography',
    tag: 'Castings',
    summary: "An actor's movies",
    description: 'the movies the actor is cast in, with fees, in movie id order.',
    items: filmographyEntrySchema,
    list: listFilmography,
    embed: embeddedMovies,
  },
  permissions: { read: 'read:actors', create: 'create:actors', edit: 'edit:actors', delete: 'delete:actors' },
  examples: { create: () => ({ name: 'Ada Lovelace', age: 36, gender: 'Female' }), update: { age: 37 }, invalid: { age: 200 } },
})
