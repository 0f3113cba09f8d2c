import { defineConfig } from 'drizzle-kit'

// Only `db:generate` reads this; it needs no database. Migrations are applied
// by scripts/migrate.ts (and by the dev and test tooling) with drizzle's migrator.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
})
