import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { createConnection } from 'node:net'
import type { WebSocketServer as WebSocketServerType } from 'ws'

// Through Node's own require: the test runner resolves imports with the
// Workers' conditions, which pick `ws`'s browser stub.
const { WebSocketServer } = createRequire(import.meta.url)('ws') as { WebSocketServer: typeof WebSocketServerType }

/** `up` forwards; `down` refuses connections; `hang` accepts and never answers. */
export type BridgeMode = 'up' | 'down' | 'hang'

export type Bridge = {
  port: number
  /** Changes how new connections are treated; `down` also cuts open ones. */
  setMode(mode: BridgeMode): Promise<void>
  close(): Promise<void>
}

/**
 * A WebSocket-to-TCP bridge: what Neon's proxy is to Neon, this is to a plain
 * Postgres, so the Worker talks to PGlite or a local server through the same
 * `@neondatabase/serverless` driver it uses in production. It forwards only
 * to the one target it was started for, whatever address the client asks.
 */
/**
 * Follows the frontend's message framing (an untyped startup phase, then a type
 * byte and an int32 length per message) and reports whether a chunk completed
 * a Terminate ('X') message.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
function watchForTerminate() {
  let startup = true
  let header = Buffer.alloc(0)
  let remaining = 0
  return (chunk: Buffer): boolean => {
    let offset = 0
    while (offset < chunk.length) {
      if (remaining > 0) {
        const take = Math.min(remaining, chunk.length - offset)
        remaining -= take
        offset += take
        continue
      }
      const headerLength = startup ? 4 : 5
      const need = headerLength - header.length
      header = Buffer.concat([header, chunk.subarray(offset, offset + need)])
      offset += Math.min(need, chunk.length - offset)
      if (header.length < headerLength) break
      const length = header.readInt32BE(startup ? 0 : 1)
      remaining = length - 4
      if (startup) {
        // Only an SSL or GSSAPI encryption request is 8 bytes long; another untyped message follows it.
        startup = length === 8
      } else if (header[0] === 0x58 && length === 4) {
        return true
      }
      header = Buffer.alloc(0)
    }
    return false
  }
}

export async function startBridge(target: { host: string; port: number }, port = 0): Promise<Bridge> {
  const http = createServer((_, response) => response.writeHead(426).end())
  const wss = new WebSocketServer({ noServer: true })
  let mode: BridgeMode = 'up'

  http.on('upgrade', (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      if (mode === 'hang') return // the database "does not answer"
      const tcp = createConnection(target)
      const pending: Buffer[] = []
      tcp.on('connect', () => {
        for (const chunk of pending) tcp.write(chunk)
        pending.length = 0
      })
      const terminated = watchForTerminate()
      ws.on('message', (data: Buffer) => {
        if (tcp.connecting) pending.push(data)
        else tcp.write(data)
        // PGlite's server, unlike Postgres, does not hang up on Terminate; we do,
        // or every pool the Worker ends would hold a connection until the run ends.
        if (terminated(data)) {
          tcp.end()
          ws.close()
        }
      })
      tcp.on('data', (data) => ws.send(data))
      ws.on('close', () => tcp.end())
      ws.on('error', () => tcp.destroy())
      tcp.on('close', () => ws.close())
      tcp.on('error', () => ws.terminate())
    })
  })

  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(at, '127.0.0.1', () => {
        http.off('error', reject)
        resolve()
      })
    })
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate()
      http.closeAllConnections()
      http.close(() => resolve())
    })

  await listen(port)
  const bound = (http.address() as AddressInfo).port
  return {
    port: bound,
    async setMode(next) {
      if (next === mode) return
      if (next === 'down') await stopListening()
      else if (mode === 'down') await listen(bound)
      if (next === 'hang') for (const client of wss.clients) client.terminate()
      mode = next
    },
    async close() {
      if (mode !== 'down') await stopListening()
      wss.close()
    },
  }
}
