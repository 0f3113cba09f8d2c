// What `npm run dev` runs for the Worker (a child process of scripts/lib/dev-stack.ts):
// `wrangler dev`, through wrangler's own API rather than its command line,
// because only the API can turn the debugger off. The command line always
// opens it (an inspector proxy on 127.0.0.1:9229 and workerd's own inspector
// on another port), and a debugger attached to a Worker runs any code in it,
// with its bindings and secrets: open to every user of the machine. Here it
// is on only with `--inspect` (`npm run dev -- --inspect`).
//   node scripts/lib/wrangler-dev.ts --port <port> --env-file <file> [--inspect]
import { parseArgs } from 'node:util'
import { unstable_startWorker } from 'wrangler'

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'env-file': { type: 'string' },
    inspect: { type: 'boolean', default: false },
  },
})
if (!values.port || !values['env-file']) throw new Error('usage: wrangler-dev.ts --port <port> --env-file <file> [--inspect]')

// The same input `wrangler dev --port … --env-file …` builds from its flags (wrangler.toml in this folder, its [build] step
// included), but for the inspector: `{}` is wrangler's default (127.0.0.1, 9229 or the next free port), `false` none.
const worker = await unstable_startWorker({
  config: 'wrangler.toml',
  envFiles: [values['env-file']],
  dev: {
    server: { port: Number(values.port) },
    inspector: values.inspect ? {} : false,
  },
})
await worker.ready
if (values.inspect)
  console.log(`[dev] debugger: ${(await worker.inspectorUrl)?.href ?? 'unavailable'} (chrome://inspect, or VS Code "attach")`)

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await worker.dispose().catch(() => {})
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
