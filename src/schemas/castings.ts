import * as z from 'zod'
import { actorSchema } from './actors.ts'
import { successSchema } from './common.ts'
import { FEE_SCALE, MAX_CAST, MAX_FEE } from './limits.ts'
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

const ACTOR_ID_RULE = 'actor_id must be a positive 32-bit integer.'
const CAST_RULE = `cast must be an array of at most ${MAX_CAST} objects.`

/** An actor listed twice would be two castings of one (movie, actor): refused, not merged. */
function listedOnce(cast: readonly { actor_id: number }[], ctx: z.RefinementCtx) {
  const seen = new Set<number>()
  for (const { actor_id } of cast) {
    if (seen.has(actor_id)) return void ctx.addIssue({ code: 'custom', message: `actor_id ${actor_id} is listed twice.`, input: cast })
    seen.add(actor_id)
  }
}

/** PUT /movies/:id/actors (API.md C2): the movie's whole cast, a missing fee being null. */
export const replaceCastSchema = z.strictObject({
  cast: z
    .array(
      z.strictObject({
        actor_id: z
          .int32({ error: (issue) => (issue.input === undefined ? 'no actor_id provided.' : ACTOR_ID_RULE) })
          .positive({ error: ACTOR_ID_RULE }),
        fee: fee.default(null),
      }),
      { error: (issue) => (issue.input === undefined ? 'no cast provided.' : CAST_RULE) },
    )
    .max(MAX_CAST, { error: CAST_RULE })
    .superRefine(listedOnce),
})
export type CastEntry = z.output<typeof replaceCastSchema>['cast'][number]

export const castingSchema = z
  .object({ movie_id: z.int32().positive(), actor_id: z.int32().positive(), fee: z.number().nullable() })
  .meta({ id: 'Casting', example: { movie_id: 1, actor_id: 2, fee: 500 } })
/** An actor in a cast, and a movie in a filmography: the other side of the casting, with its fee. */
export const castMemberSchema = actorSchema.extend({ fee: z.number().nullable() })
export const filmographyEntrySchema = movieSchema.extend({ fee: z.number().nullable() })

export const castResponse = successSchema.extend({ movie_id: z.int32().positive(), cast: z.array(castMemberSchema) })
export const filmographyResponse = successSchema.extend({ actor_id: z.int32().positive(), movies: z.array(filmographyEntrySchema) })
export const castingResponse = successSchema.extend({ casting: castingSchema })
export const castingDeletedResponse = successSchema.extend({ deleted: castingSchema.pick({ movie_id: true, actor_id: true }) })
