// `npm run dev`: the API on http://localhost:8787 with everything it needs
// (scripts/lib/dev-stack.ts says what that is).
import { parseArgs } from 'node:util'
import { startDevStack } from './lib/dev-stack.ts'

// `npm run dev -- --inspect` opens the Worker's debugger (docs/local-development.md); nothing else is taken.
const { values } = parseArgs({ options: { inspect: { type: 'boolean', default: false } } })
const stack = await startDevStack({ port: Number(process.env.PORT ?? 8787), inspect: values.inspect })

let stopping = false
async function stop(code: number) {
  if (stopping) return
  stopping = true
  await stack.stop()
  process.exit(code)
}
process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))
stack.wrangler.on('exit', (code, signal) => {
  if (!stopping) console.error(`[dev] wrangler ended (${signal ?? `exit code ${code}`}); stopping`)
  void stop(code ?? 0)
})
