import * as z from 'zod'
import { listResponse, successSchema, withoutNul } from './common.ts'
import { dateString } from './dates.ts'
import { MAX_TITLE } from './limits.ts'
import { checkCursor, dateParam, includeParam, pagingParams, sortParam, textParam } from './listing.ts'

const TITLE_RULE = `title must be a string of 1 to ${MAX_TITLE} characters.`
const DATE_RULE = 'release_date must be a date (YYYY-MM-DD).'

const title = z
  .string({ error: (issue) => (issue.input == null ? 'no title provided.' : TITLE_RULE) })
  .trim()
  .min(1, { error: 'no title provided.' })
  .max(MAX_TITLE, { error: TITLE_RULE })
  .refine(...withoutNul('title'))
const DATE_FORMS = '`YYYY-MM-DD`, an ISO 8601 date-time (its date part is kept), or an HTTP-date'
const releaseDate = dateString(DATE_RULE, 'no "release_date" provided.').meta({
  description: `${DATE_FORMS}.`,
  example: '2020-02-16',
})

export const createMovieSchema = z.strictObject({ title, release_date: releaseDate })
export const updateMovieSchema = z.strictObject({ title: title.optional(), release_date: releaseDate.optional() })

export const listMoviesQuery = z
  .object({
    q: textParam('q', MAX_TITLE)
      .optional()
      .meta({
        description: `Movies whose title contains this, case-insensitively (\`%\` and \`_\` are plain characters); at most ${MAX_TITLE} characters. Empty matches every movie.`,
      }),
    released_from: dateParam('released_from')
      .optional()
      .meta({ description: `Movies released on or after this date: ${DATE_FORMS}.` }),
    released_to: dateParam('released_to')
      .optional()
      .meta({ description: `Movies released on or before this date: ${DATE_FORMS}.` }),
    sort: sortParam(['id', 'title', 'release_date']).optional(),
    include: includeParam(['cast']).optional(),
    ...pagingParams,
  })
  .superRefine(checkCursor)

/** GET /movies/:id: `include=cast` embeds the movie's cast. */
export const getMovieQuery = z.object({ include: includeParam(['cast']).optional() })

export const movieSchema = z
  .object({ id: z.int32().positive(), title: z.string(), release_date: z.iso.date() })
  .meta({ id: 'Movie', example: { id: 1, title: 'Matthew first Movie', release_date: '2020-02-16' } })

export type CreateMovie = z.output<typeof createMovieSchema>
export type UpdateMovie = z.output<typeof updateMovieSchema>
export type ListMoviesQuery = z.output<typeof listMoviesQuery>
export type MovieInclude = z.output<typeof getMovieQuery>['include']

export const movieListResponse = listResponse(successSchema.extend({ movies: z.array(movieSchema) }))
export const movieResponse = successSchema.extend({ movie: movieSchema })
export const movieCreatedResponse = successSchema.extend({ created: z.int32().positive(), movie: movieSchema })
/** A bulk create: ids and movies in input order. */
export const moviesCreatedResponse = successSchema.extend({ created: z.array(z.int32().positive()), movies: z.array(movieSchema) })
export const movieUpdatedResponse = successSchema.extend({ updated: z.int32().positive(), movie: z.array(movieSchema).length(1) })
