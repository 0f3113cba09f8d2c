import * as z from 'zod'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']

function calendarDate(year: number, month: number, day: number): string | undefined {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return undefined
  const date = new Date(Date.UTC(2000, month - 1, day))
  date.setUTCFullYear(year)
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d|60)(?:\.\d+)?)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$/
const HTTP_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) ([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60) GMT$/

/**
 * A calendar date as `YYYY-MM-DD`, from `YYYY-MM-DD`, an ISO 8601 date-time
 * (its own date part, with no time-zone conversion), or an HTTP-date, the
 * format the original server emitted. Undefined for anything else.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.6.7
 */
function parseDate(text: string): string | undefined {
  const iso = ISO_DATE.exec(text) ?? ISO_DATE_TIME.exec(text)
  if (iso) return calendarDate(Number(iso[1]), Number(iso[2]), Number(iso[3]))
  const http = HTTP_DATE.exec(text)
  if (!http) return undefined
  const date = calendarDate(Number(http[4]), MONTHS.indexOf(http[3]!) + 1, Number(http[2]))
  // A weekday that does not fit the date means the text is not what it claims.
  if (!date || DAYS[new Date(`${date}T00:00:00Z`).getUTCDay()] !== http[1]) return undefined
  return date
}

/** The forms a date may take, as the document words them. */
export const DATE_FORMS = '`YYYY-MM-DD`, an ISO 8601 date-time (its date part is kept), or an HTTP-date'

/** A date in any form `parseDate` takes, out as `YYYY-MM-DD`; `missing` words an absent or null value. */
export const dateString = (invalid: string, missing = invalid) =>
  z.string({ error: (issue) => (issue.input == null ? missing : invalid) }).transform((text, ctx) => {
    const date = parseDate(text)
    if (date === undefined) ctx.addIssue({ code: 'custom', message: invalid, input: text })
    return date ?? z.NEVER
  })
