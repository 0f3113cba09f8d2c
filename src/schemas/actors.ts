import * as z from 'zod'
import { textField } from './common.ts'
import { DEFAULT_GENDER, MAX_AGE, MAX_GENDER, MAX_NAME, MIN_AGE } from './limits.ts'

const AGE_RULE = `age must be an integer between ${MIN_AGE} and ${MAX_AGE}.`

// Missing and null read the same, as in the original: nothing was provided.
const name = textField('name', MAX_NAME, { required: true })
const age = z
  .number({ error: (issue) => (issue.input == null ? 'no age provided.' : AGE_RULE) })
  .int({ error: AGE_RULE })
  .min(MIN_AGE, { error: AGE_RULE })
  .max(MAX_AGE, { error: AGE_RULE })
const gender = textField('gender', MAX_GENDER, { required: false })

export const createActorSchema = z.strictObject({ name, age, gender: gender.default(DEFAULT_GENDER) })
export const updateActorSchema = z.strictObject({ name: name.optional(), age: age.optional(), gender: gender.optional() })

export const actorSchema = z
  .object({ id: z.int32().positive(), name: z.string(), age: z.int().min(MIN_AGE).max(MAX_AGE), gender: z.string() })
  .meta({ id: 'Actor', example: { id: 1, name: 'Matthew', age: 25, gender: 'Male' } })
