// `npm run bench -- --webhooks [--quick]`: webhook delivery through the whole
// dev stack (wrangler dev's workerd with its local queue, the SQL endpoint,
// the PostgreSQL server) to a receiver on this machine. Two figures:
// - first attempt after a commit: the time from a write's 201 to the
//   receiver's first request for its event, for writes one at a time
//   (median and worst);
// - deliveries per second: a burst of events (bulk creates), from the first
//   write to the last event received, through the local queue.
// Printed, never asserted; the machine is shared and noisy.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mintDevToken } from './dev-issuer.ts'
import { freePort, waitForHealth } from './dev-server.ts'
import { type DevStack, startDevStack } from './dev-stack.ts'
import { createScratchDatabase } from './scratch-database.ts'

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

export async function webhookBench({ quick, server }: { quick: boolean; server: string }) {
  const WRITES = quick ? 20 : 100
  const BURST = quick ? 500 : 2_000
  const db = await createScratchDatabase(server, 'casting_bench_hooks', { migrate: false })
  const dataDir = mkdtempSync(join(tmpdir(), 'casting-bench-hooks-'))
  // The receiver: notes when each event's first request arrived; answers 204.
  const firstSeen = new Map<string, number>()
  let requests = 0
  const receiver = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => {
      body += chunk
    })
    request.on('end', () => {
      requests++
      const id = request.headers['webhook-id'] as string
      if (!firstSeen.has(id)) firstSeen.set(id, performance.now())
      response.writeHead(204).end()
      void body
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  let stack: DevStack | undefined
  try {
    console.log(`# npm run bench -- --webhooks${quick ? ' --quick' : ''}`)
    stack = await startDevStack({ port, dataDir, databaseUrl: db.url, quiet: true })
    await waitForHealth(base, stack.wrangler)
    const token = await mintDevToken('producer', { folder: dataDir })
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    const created = await post('/webhooks', { url: hookUrl, types: ['actor.*'] })
    if (created.status !== 201) throw new Error(`POST /webhooks answered ${created.status}: ${await created.text()}`)
    const waitFor = async (count: number, ms: number) => {
      const deadline = performance.now() + ms
      while (firstSeen.size < count && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
      return firstSeen.size >= count
    }

    // First attempt after a commit, one write at a time.
    const latencies: number[] = []
    for (let i = 0; i < WRITES; i++) {
      const before = firstSeen.size
      const response = await post('/actors', { name: `Latency ${i}`, age: 30 })
      const committed = performance.now()
      if (response.status !== 201) throw new Error(`POST /actors answered ${response.status}`)
      if (!(await waitFor(before + 1, 30_000))) throw new Error(`write ${i}: no delivery within 30 s`)
      latencies.push([...firstSeen.values()].at(-1)! - committed)
    }
    latencies.sort((a, b) => a - b)
    console.log(
      `first attempt after a commit (${WRITES} writes, one at a time): median ${percentile(latencies, 50).toFixed(0)} ms, p90 ${percentile(latencies, 90).toFixed(0)} ms, worst ${latencies.at(-1)!.toFixed(0)} ms`,
    )

    // Deliveries per second: a burst of bulk creates, 100 events each.
    const start = performance.now()
    const already = firstSeen.size
    for (let i = 0; i < BURST / 100; i++) {
      const response = await post(
        '/actors',
        Array.from({ length: 100 }, (_, n) => ({ name: `Burst ${i}-${n}`, age: 40 })),
      )
      if (response.status !== 201) throw new Error(`bulk POST /actors answered ${response.status}`)
    }
    const written = performance.now() - start
    const arrived = await waitFor(already + BURST, 300_000)
    const elapsed = performance.now() - start
    const delivered = firstSeen.size - already
    console.log(
      `deliveries per second: ${BURST} events written in ${(written / 1000).toFixed(1)} s; ${delivered} delivered in ${(elapsed / 1000).toFixed(1)} s: ${(delivered / (elapsed / 1000)).toFixed(0)} per second${arrived ? '' : ' (timed out before all arrived)'}; ${requests - firstSeen.size} duplicate requests`,
    )
  } finally {
    await stack?.stop()
    receiver.closeAllConnections()
    receiver.close()
    await db.drop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
