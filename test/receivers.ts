// Runs in Node (test/global-setup.ts): webhook receivers, each its own HTTP
// server on 127.0.0.1, whose answers the tests script and whose requests they
// read, through the services server (`handleReceivers`). A receiver can go
// down (its port closed: connection refused) and come back on the same port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What a receiver answers, one entry per request in turn: a status, or `hang` (never answers); then 200. */
export type Plan = Array<number | 'hang'>
export type Received = { headers: Record<string, string>; body: string; at: number }

type Receiver = { server: Server; port: number; plan: Plan; received: Received[]; hanging: Set<ServerResponse> }

const receivers = new Map<number, Receiver>()

function listen(receiver: Receiver) {
  receiver.server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      receiver.received.push({ headers: flat(request), body: Buffer.concat(chunks).toString('utf8'), at: Date.now() })
      const next = receiver.plan.shift() ?? 200
      if (next === 'hang') return receiver.hanging.add(response)
      response.writeHead(next, { 'content-type': 'text/plain' }).end(String(next))
    })
  })
  return new Promise<void>((resolve) => receiver.server.listen(receiver.port, '127.0.0.1', resolve))
}

const flat = (request: IncomingMessage) =>
  Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
  )

function close(receiver: Receiver) {
  for (const response of receiver.hanging) response.destroy()
  receiver.hanging.clear()
  receiver.server.closeAllConnections()
  return new Promise<void>((resolve) => receiver.server.close(() => resolve()))
}

/**
 * The control API, under the services server:
 * - POST /receivers {plan}: a new receiver; answers {port, url}.
 * - POST /receivers/<port>/plan {plan}: what it answers next.
 * - POST /receivers/<port>/down, /up: its port closed, and open again.
 * - GET /receivers/<port>/received: every request it got, in order.
 * Answers undefined for any other path.
 */
export async function handleReceivers(method: string, path: string, body: string): Promise<[number, unknown] | undefined> {
  if (!path.startsWith('/receivers')) return undefined
  const [, , portText, action] = path.split('/')
  if (method === 'POST' && !portText) {
    const receiver: Receiver = {
      server: createServer(),
      port: 0,
      plan: JSON.parse(body || '{}').plan ?? [],
      received: [],
      hanging: new Set(),
    }
    await listen(receiver)
    receiver.port = (receiver.server.address() as AddressInfo).port
    receivers.set(receiver.port, receiver)
    return [200, { port: receiver.port, url: `http://127.0.0.1:${receiver.port}/hook` }]
  }
  const receiver = receivers.get(Number(portText))
  if (!receiver) return [404, { error: 'no such receiver' }]
  if (method === 'GET' && action === 'received') return [200, receiver.received]
  if (method === 'POST' && action === 'plan') receiver.plan = JSON.parse(body).plan
  else if (method === 'POST' && action === 'down') await close(receiver)
  else if (method === 'POST' && action === 'up') await listen(receiver)
  else return [404, { error: 'no such action' }]
  return [200, {}]
}

export async function closeReceivers() {
  for (const receiver of receivers.values()) if (receiver.server.listening) await close(receiver)
}
