import * as z from 'zod'
import { actorSchema } from './actors.ts'
import { successSchema } from './common.ts'
import { FEE_SCALE, MAX_FEE } from './limits.ts'
import { movieSchema } from './movies.ts'

const FEE_RULE = `fee must be a number from 0 to ${MAX_FEE} with at most ${FEE_SCALE} decimals, or null.`
// Decimal places as written: 0.1 + 0.2 fails, 19.99 passes, 1e-7 fails.
const FEE_DIGITS = new RegExp(`^\\d+(\\.\\d{1,${FEE_SCALE}})?$`)

// multipleOf puts the precision into the document (and the generated client's
// docs); the digits as written stay the rule, which no float division can blur.
const fee = z
  .number({ error: FEE_RULE })
  .min(0, { error: FEE_RULE })
  .max(MAX_FEE, { error: FEE_RULE })
  .multipleOf(10 ** -FEE_SCALE, { error: FEE_RULE })
  .refine((value) => FEE_DIGITS.test(String(value)), { error: FEE_RULE })
  .nullable()
  .meta({
    description: `A number from 0 to ${MAX_FEE} with at most ${FEE_SCALE} decimals (\`19.99\`, not \`12.345\`), or null; absent is null.`,
  })

export const putCastingSchema = z.strictObject({ fee: fee.default(null) })

export const castingSchema = z
  .object({ movie_id: z.int32().positive(), actor_id: z.int32().positive(), fee: z.number().nullable() })
  .meta({ id: 'Casting', example: { movie_id: 1, actor_id: 2, fee: 500 } })
const castMemberSchema = actorSchema.extend({ fee: z.number().nullable() })
const filmographyEntrySchema = movieSchema.extend({ fee: z.number().nullable() })

export const castResponse = successSchema.extend({ movie_id: z.int32().positive(), cast: z.array(castMemberSchema) })
export const filmographyResponse = successSchema.extend({ actor_id: z.int32().positive(), movies: z.array(filmographyEntrySchema) })
export const castingResponse = successSchema.extend({ casting: castingSchema })
export const castingDeletedResponse = successSchema.extend({ deleted: castingSchema.pick({ movie_id: true, actor_id: true }) })
