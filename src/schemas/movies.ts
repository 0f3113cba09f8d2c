import * as z from 'zod'
import { textField } from './common.ts'
import { DATE_FORMS, dateString } from './dates.ts'
import { MAX_TITLE } from './limits.ts'

const title = textField('title', MAX_TITLE, { required: true })
const releaseDate = dateString('release_date must be a date (YYYY-MM-DD).', 'no "release_date" provided.').meta({
  description: `${DATE_FORMS}.`,
  example: '2020-02-16',
})

export const createMovieSchema = z.strictObject({ title, release_date: releaseDate })
export const updateMovieSchema = z.strictObject({ title: title.optional(), release_date: releaseDate.optional() })

export const movieSchema = z
  .object({ id: z.int32().positive(), title: z.string(), release_date: z.iso.date() })
  .meta({ id: 'Movie', example: { id: 1, title: 'Matthew first Movie', release_date: '2020-02-16' } })
