// The limits of API.md section 1 and Part B, named once: the zod schemas check
// them and word their messages with them, and src/db/schema.ts builds its
// column types and check constraints from them, so the two cannot drift.

/** An actor's name: 1 to this many characters, after trimming. */
export const MAX_NAME = 100
/** An actor's gender: 1 to this many characters, after trimming. */
export const MAX_GENDER = 30
/** The gender of an actor created without one. */
export const DEFAULT_GENDER = 'Other'
/** An actor's age, in whole years. */
export const MIN_AGE = 0
export const MAX_AGE = 150
/** A movie's title: 1 to this many characters, after trimming. */
export const MAX_TITLE = 200
/** A casting's fee is numeric(12, 2): ten digits before the point, two after. */
export const FEE_PRECISION = 12
export const FEE_SCALE = 2
export const MAX_FEE = 9_999_999_999.99
/** The most entries one cast replacement may list (API.md C2), and so the most castings a movie may have (D5). */
export const MAX_CAST = 500
/**
 * The most castings an actor may have, and the most rows a page with
 * `include` may carry (API.md D5): bounds chosen so that the largest answer
 * the database can give stays under half of Neon's 10 MiB, every text at its
 * longest in the characters that cost most on the wire (a control character
 * is 6 bytes in JSON, 7 once the row's text is a JSON string):
 * 10 movies × 500 actors × ~1 KB, or 10 actors × 250 movies × ~1.5 KB.
 * test/bounds.test.ts builds both and reads them.
 */
export const MAX_FILMOGRAPHY = 250
export const MAX_PER_PAGE_WITH_INCLUDE = 10
/** Ids are positive 32-bit integers. */
export const MAX_ID = 2_147_483_647
/** Rows per page unless `per_page` says otherwise, and its bound. */
export const DEFAULT_PER_PAGE = 10
export const MAX_PER_PAGE = 100
/** A CSV import (API.md D3): at most this many bytes, and this many data rows, created as one bulk create. */
export const MAX_CSV_BYTES = 1024 * 1024
export const MAX_CSV_ROWS = 5000
/**
 * Rows per statement of a CSV export: each answer stays far below Neon's
 * 10 MiB (at the worst, 1,000 movies whose titles are 200 control characters,
 * each 7 bytes on the wire, about 1.4 MB), and the Worker holds about one chunk.
 */
export const EXPORT_CHUNK_ROWS = 1000
