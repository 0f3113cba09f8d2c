// `npm run test:browser`: the docs page as a person sees it. Starts `npm run
// dev` (on a free port, with a throwaway data folder), validates /openapi.json
// against the OpenAPI 3.1 schema, opens /docs in headless Chromium, waits for
// every route's path to render, saves docs/docs-page.png, and checks that the
// page asked nothing of any host but ours.
import { join } from 'node:path'
import { Validator } from '@seriousme/openapi-schema-validator'
import { chromium } from 'playwright-core'
import { createChecks } from '../../scripts/lib/checks.ts'
import { startDevServer } from '../../scripts/lib/dev-server.ts'
import { root } from '../../scripts/lib/paths.ts'

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const { check, finish } = createChecks()

let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined
let dev: Awaited<ReturnType<typeof startDevServer>> | undefined

try {
  dev = await startDevServer()
  const base = dev.base
  check(`npm run dev answers /health (in ${(dev.startedInMs / 1000).toFixed(1)} s)`, true)

  const response = await fetch(`${base}/openapi.json`)
  const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
  const validation = await new Validator().validate(document)
  check(
    'GET /openapi.json is a valid OpenAPI 3.1 document',
    validation.valid && document.openapi.startsWith('3.1'),
    JSON.stringify(validation.errors)?.slice(0, 2000),
  )

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  const elsewhere: string[] = []
  page.on('request', (request) => {
    const { hostname, protocol } = new URL(request.url())
    if (protocol !== 'data:' && protocol !== 'blob:' && hostname !== '127.0.0.1') elsewhere.push(request.url())
  })
  await page.goto(`${base}/docs`, { waitUntil: 'load' })

  for (const path of Object.keys(document.paths)) {
    const text = page.getByText(path, { exact: true }).first()
    const rendered = await text.waitFor({ state: 'attached', timeout: 20_000 }).then(
      () => true,
      () => false,
    )
    if (rendered) await text.scrollIntoViewIfNeeded().catch(() => {})
    check(`/docs shows ${path}`, rendered && (await text.isVisible()))
  }

  await page.evaluate('window.scrollTo(0, 0)')
  await page.waitForTimeout(300)
  await page.screenshot({ path: join(root, 'docs/docs-page.png') })
  check('/docs requests nothing from other hosts', elsewhere.length === 0, elsewhere.join(', '))
} catch (error) {
  check('the docs page check ran to the end', false, String(error))
} finally {
  await browser?.close()
  await dev?.stop()
}

finish()
