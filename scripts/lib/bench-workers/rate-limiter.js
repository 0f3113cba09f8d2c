// The Rate Limiting binding in plain workerd, for `npm run bench -- --cpu`:
// a wrapped binding that counts per key in a fixed window, in the Worker's
// own isolate, as Cloudflare's binding answers from a counter at the location.
// (wrangler dev simulates it with a Durable Object and a SQLite write, which
// production does not pay.)
export default function rateLimiter({ limit, period }) {
  const windows = new Map()
  return {
    async limit({ key = '' }) {
      const window = Math.floor(Date.now() / 1000 / period)
      const entry = windows.get(key)
      if (!entry || entry.window !== window) {
        windows.set(key, { window, count: 1 })
        return { success: true }
      }
      entry.count++
      return { success: entry.count <= limit }
    },
  }
}
