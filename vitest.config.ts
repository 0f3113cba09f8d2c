import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: './wrangler.toml' },
      // Addresses of what test/global-setup.ts started, as the Worker's configuration.
      miniflare: { bindings: inject('bindings') },
    })),
  ],
  test: {
    // test/fuzz.test.ts's seed: a new one each run, named in the test's title; FUZZ_SEED replays one.
    provide: { fuzzSeed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31) },
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/setup.ts'],
    include: ['test/**/*.test.ts'],
    // The test files share one database and reset it before each test.
    fileParallelism: false,
    testTimeout: 20_000,
    // The Worker's request log is noise unless a test fails.
    silent: 'passed-only',
    hookTimeout: 30_000,
  },
})
