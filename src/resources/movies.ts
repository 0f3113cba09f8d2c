import { gte, ilike, lte } from 'drizzle-orm'
import { movieFields } from '../db/fields.ts'
import { movies } from '../db/schema.ts'
import { embeddedCast, listCast } from '../queries/castings.ts'
import { containing } from '../queries/listing.ts'
import { castMemberSchema } from '../schemas/castings.ts'
import { DATE_FORMS } from '../schemas/dates.ts'
import { MAX_TITLE } from '../schemas/limits.ts'
import { dateParam, textParam } from '../schemas/listing.ts'
import { createMovieSchema, movieSchema, updateMovieSchema } from '../schemas/movies.ts'
import { declareResource, filter } from './declare.ts'

export const movieResource = declareResource({
  one: 'movie',
  many: 'movies',
  Name: 'Movie',
  a: 'a movie',
  their: 'its',
  table: movies,
  fields: movieFields,
  schema: movieSchema,
  create: createMovieSchema,
  update: updateMovieSchema,
  filters: {
    q: filter(
      textParam('q', MAX_TITLE).meta({
        description: `Movies whose title contains this, case-insensitively (\`%\` and \`_\` are plain characters); at most ${MAX_TITLE} characters. Empty matches every movie.`,
      }),
      (q) => ilike(movies.title, containing(q)),
    ),
    released_from: filter(
      dateParam('released_from').meta({ description: `Movies released on or after this date: ${DATE_FORMS}.` }),
      (date) => gte(movies.release_date, date),
    ),
    released_to: filter(dateParam('released_to').meta({ description: `Movies released on or before this date: ${DATE_FORMS}.` }), (date) =>
      lte(movies.release_date, date),
    ),
  },
  sorts: ['id', 'title', 'release_date'],
  include: {
    name: 'cast',
    operationId: 'listCast',
    summary: "A movie's cast",
    description: 'the actors cast in the movie, with their fees, in actor id order.',
    items: castMemberSchema,
    list: listCast,
    embed: embeddedCast,
  },
  permissions: { read: 'read:movies', create: 'create:movies', edit: 'edit:movies', delete: 'delete:movies' },
})
