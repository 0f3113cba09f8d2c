import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // The Worker's request log is noise unless a test fails.
    silent: 'passed-only',
    projects: [
      {
        // The Worker, inside workerd, called through its own fetch handler.
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            // Addresses of what test/global-setup.ts started, as the Worker's configuration.
            miniflare: { bindings: inject('bindings') },
          })),
        ],
        test: {
          name: 'worker',
          globalSetup: ['./test/global-setup.ts'],
          setupFiles: ['./test/setup.ts'],
          include: ['test/**/*.test.ts'],
          exclude: ['test/node/**'],
          // The test files share one database and reset it before each test.
          fileParallelism: false,
          isolate: false,
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        // Node-side tooling that the Worker relies on: the local SQL endpoint.
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
})
