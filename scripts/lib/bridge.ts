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
      ws.on('message', (data: Buffer) => {
        if (tcp.connecting) pending.push(data)
        else tcp.write(data)
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
