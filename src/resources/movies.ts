import { movieFields } from '../db/fields.ts'
import { movies } from '../db/schema.ts'
import { embeddedCast, listCast } from '../queries/castings.ts'
import { castMemberSchema } from '../schemas/castings.ts'
import { DATE_FORMS } from '../schemas/dates.ts'
import { MAX_TITLE } from '../schemas/limits.ts'
import { dateParam } from '../schemas/listing.ts'
import { createMovieSchema, movieSchema, updateMovieSchema } from '../schemas/movies.ts'
import { bounds, declareResource, search } from './declare.ts'

export const movieResource = declareResource({
  one: 'movie',
  many: 'movies',
  their: 'its',
  table: movies,
  fields: movieFields,
  schema: movieSchema,
  create: createMovieSchema,
  update: updateMovieSchema,
  filters: {
    q: search(movies.title, MAX_TITLE, 'Movies'),
    ...bounds(
      movies.release_date,
      dateParam,
      ['released_from', `Movies released on or after this date: ${DATE_FORMS}.`],
      ['released_to', `Movies released on or before this date: ${DATE_FORMS}.`],
    ),
  },
  sorts: ['id', 'title', 'release_date'],
  include: {
    name: 'cast',
    operationId: 'listCast',
    tag: 'Castings',
    summary: "A movie's cast",
    description: 'the actors cast in the movie, with their fees, in actor id order.',
    items: castMemberSchema,
    list: listCast,
    embed: embeddedCast,
  },
  permissions: { read: 'read:movies', create: 'create:movies', edit: 'edit:movies', delete: 'delete:movies' },
  examples: { create: () => ({ title: 'Metropolis', release_date: '1927-01-10' }), update: { title: 'Ronin' }, invalid: { title: '' } },
})
