import fc from 'fast-check'
import * as z from 'zod'

// Valid values of any declared field, found from its zod schema: what the
// fuzzer (test/fuzz.test.ts) builds its bodies from, and where
// test/fields.test.ts finds a second value of each field.

/** Text a name field accepts. */
const name = fc
  .string({ minLength: 1, maxLength: 30 })
  .filter((value) => value.trim() === value && value.length > 0 && !value.includes('\u0000'))
/** A day, as a date field accepts. */
const day = fc
  .date({ min: new Date('1900-01-01'), max: new Date('2100-12-31'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10))

/**
 * Valid values of a body's field, found from its schema: an integer within
 * its bounds, text matching its pattern if it has one (an email address), or
 * else text of the first kind it mostly accepts (a name, a day); each value
 * one it accepts.
 */
export function valuesOf(field: z.ZodType): fc.Arbitrary<unknown> {
  type Json = { type?: string; minimum?: number; exclusiveMinimum?: number; maximum?: number; maxLength?: number; pattern?: string }
  const schema = z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as Json & { anyOf?: Json[] }
  // A nullable field (an optional foreign key, `agent_id`): null, or a value of its other kind.
  const json = schema.anyOf?.find((kind) => kind.type !== 'null') ?? schema
  const orNull = (values: fc.Arbitrary<unknown>) => (json === schema ? values : fc.oneof(fc.constant(null), values))
  const min = json.minimum ?? (json.exclusiveMinimum === undefined ? 0 : json.exclusiveMinimum + 1)
  if (json.type === 'integer') return orNull(fc.integer({ min, max: json.maximum ?? 2_147_483_647 }))
  // A number (a fee, a commission): hundredths within its bounds, those it accepts.
  const accepted = (value: unknown) => field.safeParse(value).success
  if (json.type === 'number')
    return orNull(
      fc
        .integer({ min: Math.ceil(min * 100), max: Math.floor((json.maximum ?? 1_000_000) * 100) })
        .map((n) => n / 100)
        .filter(accepted),
    )
  const fits = (text: string) => text.length <= (json.maxLength ?? Number.POSITIVE_INFINITY)
  const kinds = json.pattern ? [fc.stringMatching(new RegExp(json.pattern)).filter(fits)] : [name.filter(fits), day]
  const kind = kinds.find((arbitrary) => fc.sample(arbitrary, { seed: 1, numRuns: 20 }).filter(accepted).length >= 10)
  if (!kind) throw new Error(`no values for a field of the kind ${JSON.stringify(json)}: teach valuesOf() one`)
  return orNull(kind.filter(accepted))
}

/** A body of `schema`: each field valid, the required ones present, the others present or not; with `atLeastOne`, never empty. */
export function bodiesOf(schema: z.ZodObject, atLeastOne = false) {
  const { required = [] } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { required?: string[] }
  const fields = Object.fromEntries(Object.entries(schema.shape).map(([key, field]) => [key, valuesOf(field as z.ZodType)]))
  return fc
    .record(fields, { requiredKeys: required })
    .filter((body) => (!atLeastOne || Object.keys(body).length > 0) && schema.safeParse(body).success)
}
