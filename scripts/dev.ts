// `npm run dev`: the API on http://localhost:8787 with everything it needs
// (scripts/lib/dev-stack.ts says what that is).
import { startDevStack } from './lib/dev-stack.ts'

const stack = await startDevStack({ port: Number(process.env.PORT ?? 8787) })

let stopping = false
async function stop(code: number) {
  if (stopping) return
  stopping = true
  await stack.stop()
  process.exit(code)
}
process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))
stack.wrangler.on('exit', (code) => void stop(code ?? 0))
