import { z } from 'zod'
import { actorSchema } from './actors'
import { pathId } from './common'
import { movieSchema } from './movies'

/** numeric(12, 2): ten digits before the point, two after. */
export const MAX_FEE = 9_999_999_999.99
const FEE_RULE = 'fee must be a number from 0 to 9999999999.99 with at most 2 decimals, or null.'

const fee = z
  .number({ error: FEE_RULE })
  .min(0, { error: FEE_RULE })
  .max(MAX_FEE, { error: FEE_RULE })
  // Decimal places as written: 0.1 + 0.2 fails, 19.99 passes, 1e-7 fails.
  .refine((value) => /^\d+(\.\d{1,2})?$/.test(String(value)), { error: FEE_RULE })
  .nullable()

export const putCastingSchema = z.strictObject({ fee: fee.default(null) })
export const castingParams = z.object({ id: pathId, actor_id: pathId })

export const castingSchema = z.object({ movie_id: z.number().int(), actor_id: z.number().int(), fee: z.number().nullable() })
export const castMemberSchema = actorSchema.extend({ fee: z.number().nullable() })
export const filmographyEntrySchema = movieSchema.extend({ fee: z.number().nullable() })

export type PutCasting = z.output<typeof putCastingSchema>
