import * as z from 'zod'
import { integerParam, positiveIntParam, wellFormed, withoutNul } from './common.ts'
import { dateString } from './dates.ts'
import { DEFAULT_PER_PAGE, MAX_AGE, MAX_ID, MAX_PER_PAGE, MAX_PER_PAGE_WITH_INCLUDE, MIN_AGE } from './limits.ts'

const boundedInt = (name: string, min: number, max: number) =>
  integerParam(`${name} must be an integer between ${min} and ${max}.`, min, max, 4)

export const textParam = (name: string, max: number) => {
  const error = `${name} must be a string of at most ${max} characters.`
  return z
    .string({ error })
    .max(max, { error })
    .refine(...withoutNul(name))
    .refine(...wellFormed(name))
}

export const dateParam = (name: string) => dateString(`${name} must be a date (YYYY-MM-DD).`)

export const ageParam = (name: string) => boundedInt(name, MIN_AGE, MAX_AGE)

/** `include`: the name of a related list each item then carries (API.md C1). */
export const includeParam = <const Name extends string>(names: readonly [Name, ...Name[]]) =>
  z.enum(names, { error: `include must be one of: ${names.join(', ')}.` }).meta({
    description: `Embeds each item's related list in the same answer: ${names.map((n) => `\`${n}\``).join(', ')}, with fees, as its castings route lists it. The ETag covers it.`,
  })

const PAGE_WITH_AFTER = 'page must be absent when after is given.'
const PER_PAGE_WITH_INCLUDE = `per_page must be at most ${MAX_PER_PAGE_WITH_INCLUDE} with include.`
const SORT_WITH_AFTER = 'sort must be id when after is given.'

/** `sort`: one of `fields`, `-` first for descending. */
export function sortParam<const Field extends string>(fields: readonly [Field, ...Field[]]) {
  const values = fields.flatMap((field) => [field, `-${field}`]) as [string, ...string[]]
  return z
    .enum(values, { error: `sort must be one of ${fields.join(', ')}, each optionally prefixed with -.` })
    .transform((value) => ({
      field: value.replace(/^-/, '') as Field,
      descending: value.startsWith('-'),
    }))
    .meta({
      description: `The order: ${fields.map((field) => `\`${field}\``).join(', ')}, ascending, or descending with \`-\` first (\`-${fields[1] ?? fields[0]}\`); ties go by id, the same way. Default \`id\`. With \`after\`, only \`id\` (400 \`${SORT_WITH_AFTER}\`).`,
    })
}

/**
 * What every list takes: `page` or the keyset cursor `after` (rows after that
 * id, in id order), and `per_page`. Filters and `sort` are each resource's.
 */
export const pagingParams = {
  page: positiveIntParam('page')
    .optional()
    .meta({
      description: `The page number, from 1 (default 1); past the last page, 404. Not with \`after\` (400 \`${PAGE_WITH_AFTER}\`).`,
    }),
  per_page: boundedInt('per_page', 1, MAX_PER_PAGE)
    .prefault(DEFAULT_PER_PAGE)
    .meta({
      description: `Rows per page, 1 to ${MAX_PER_PAGE}; default ${DEFAULT_PER_PAGE}. With \`include\`, at most ${MAX_PER_PAGE_WITH_INCLUDE} (400 \`${PER_PAGE_WITH_INCLUDE}\`), so that no answer outgrows what the database may send.`,
    }),
  // 0 starts a walk: every id is after it.
  after: integerParam(`after must be an integer from 0 to ${MAX_ID}.`, 0, MAX_ID)
    .optional()
    .meta({
      description: [
        'The keyset cursor: the rows whose id is greater than this, in id order.',
        "`after=0` starts a walk; each page's `next_after` is the next page's `after`, and null at the end.",
        `Not with \`page\` (400 \`${PAGE_WITH_AFTER}\`), nor with a \`sort\` other than \`id\` (400 \`${SORT_WITH_AFTER}\`).`,
      ].join(' '),
    }),
}

/** `page`, `per_page` and `after` as the queries read them. */
export type Paging = z.output<z.ZodObject<typeof pagingParams>>
/** A validated `sort`: the field, and whether it runs backwards. */
export type Sort = z.output<ReturnType<typeof sortParam>>

/**
 * A cursor walks in id order from where it was; a page number or another
 * order would contradict it, so the combination is refused, not ignored.
 */
export function checkCursor(query: Paging & { sort?: Sort; include?: string }, ctx: z.RefinementCtx) {
  // An embedded list is bounded (MAX_CAST, MAX_FILMOGRAPHY), and so must be the rows that carry one.
  if (query.include !== undefined && query.per_page > MAX_PER_PAGE_WITH_INCLUDE)
    ctx.addIssue({ code: 'custom', path: ['per_page'], message: PER_PAGE_WITH_INCLUDE })
  if (query.after === undefined) return
  if (query.page !== undefined) ctx.addIssue({ code: 'custom', path: ['page'], message: PAGE_WITH_AFTER })
  else if (query.sort && (query.sort.field !== 'id' || query.sort.descending)) {
    ctx.addIssue({ code: 'custom', path: ['sort'], message: SORT_WITH_AFTER })
  }
}
