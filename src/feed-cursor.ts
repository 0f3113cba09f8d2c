// The feed's cursors (API.md D1): opaque to clients, a position to us. Plain code,
// with no binding nor database, so scripts (the bench) encode them as the Worker does.

/** A position in the feed: the transaction's id and the event's, as decimal text (bigints). */
export type Position = { txid: string; id: string }

/** Before every event: what an empty walk from the start resumes with. */
export const START: Position = { txid: '0', id: '0' }

export const CURSOR_VERSION = 'e1'
const BIGINT = /^(0|[1-9]\d{0,18})$/
const MAX_BIGINT = 2n ** 63n - 1n

const toBase64Url = (text: string) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

/** The opaque cursor of a position: base64url of `e1.<txid>.<id>`, as the database writes it too (`cursorSql` in src/queries/feed.ts). */
export const encodeCursor = ({ txid, id }: Position) => toBase64Url(`${CURSOR_VERSION}.${txid}.${id}`)

/** The position a cursor this API issued names; undefined for anything else (which is then not one of ours). */
export function decodeCursor(cursor: string): Position | undefined {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(cursor)) return undefined
  let text: string
  try {
    text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'))
  } catch {
    return undefined
  }
  const [version, txid, id, ...rest] = text.split('.')
  if (version !== CURSOR_VERSION || rest.length > 0 || !txid || !id || !BIGINT.test(txid) || !BIGINT.test(id)) return undefined
  if (BigInt(txid) > MAX_BIGINT || BigInt(id) > MAX_BIGINT) return undefined
  const position = { txid, id }
  // One spelling per position: padding, or stray bits in the last character, make another string.
  return encodeCursor(position) === cursor ? position : undefined
}
