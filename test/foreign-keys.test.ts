import { asc, sql } from 'drizzle-orm'
import { integer, pgTable, text } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { actorFields } from '../src/db/fields'
import { actors } from '../src/db/schema'
import { restoredValues } from '../src/queries/history'
import { rowsReferencing } from '../src/queries/related'
import { insertActors, withDb } from './helpers'

// A resource whose rows name another's through a foreign key (README, "Add a
// resource": `referencing()`, and its restore) has no instance among actors and
// movies. A table of this file's own, made and dropped here, stands in for one.
const pets = pgTable('test_pets', {
  id: integer().primaryKey().generatedAlwaysAsIdentity(),
  name: text().notNull(),
  owner_id: integer().references(() => actors.id, { onDelete: 'set null' }),
})
const petFields = { id: pets.id, name: pets.name, owner_id: pets.owner_id }

beforeAll(() =>
  withDb((db) =>
    db.execute(
      sql`create table if not exists test_pets (id integer primary key generated always as identity, name text not null, owner_id integer references actors (id) on delete set null)`,
    ),
  ),
)
afterAll(() => withDb((db) => db.execute(sql`drop table if exists test_pets`)))

const insertPets = (values: (typeof pets.$inferInsert)[]) => withDb((db) => db.insert(pets).values(values).returning())

describe('rowsReferencing(): a related list through a foreign key', () => {
  const petsOf = rowsReferencing('pets', petFields, pets.owner_id, actors.id)

  it("lists an owner's rows in id order, none for an owner without, and nothing for no such owner", async () => {
    const [ada, bob] = await insertActors([
      { name: 'Ada', age: 30, gender: 'female' },
      { name: 'Bob', age: 40, gender: 'male' },
    ])
    const [rex, , tom] = await insertPets([
      { name: 'Rex', owner_id: ada!.id },
      { name: 'Stray', owner_id: null },
      { name: 'Tom', owner_id: ada!.id },
    ])
    await withDb(async (db) => {
      expect(await petsOf.list(db, ada!.id)).toEqual([rex, tom])
      expect(await petsOf.list(db, bob!.id)).toEqual([])
      expect(await petsOf.list(db, bob!.id + 1000)).toBeUndefined()
    })
  })

  it('embeds the same list in a read of owners, and nothing unless asked', async () => {
    const [ada, bob] = await insertActors([
      { name: 'Ada', age: 30, gender: 'female' },
      { name: 'Bob', age: 40, gender: 'male' },
    ])
    const [rex] = await insertPets([{ name: 'Rex', owner_id: ada!.id }])
    const rows = await withDb((db) =>
      db
        .select({ id: actorFields.id, ...petsOf.embed('pets') })
        .from(actors)
        .orderBy(asc(actors.id)),
    )
    expect(rows).toEqual([
      { id: ada!.id, pets: [rex] },
      { id: bob!.id, pets: [] },
    ])
    expect(petsOf.embed(undefined)).toEqual({})
  })
})

describe('restoredValues(): a deleted row as its restore writes it', () => {
  const restored = (before: Record<string, unknown>) =>
    withDb(async (db) => {
      const { rows } = await db.execute(
        // Named again outside: inside, the subquery's column is `id` too.
        sql`select r.* from (select ${restoredValues(pets, petFields)} from jsonb_populate_record(null::test_pets, ${JSON.stringify(before)}::jsonb) as old) as r(id, name, owner_id)`,
      )
      return Object.values(rows[0]!)
    })

  it('keeps a foreign key whose row exists, nulls one whose row was deleted since (as on delete set null would have), and every other column as recorded', async () => {
    const [ada, bob] = await insertActors([
      { name: 'Ada', age: 30, gender: 'female' },
      { name: 'Bob', age: 40, gender: 'male' },
    ])
    await withDb((db) => db.delete(actors).where(sql`${actors.id} = ${bob!.id}`))
    expect(await restored({ id: 7, name: 'Rex', owner_id: ada!.id })).toEqual([7, 'Rex', ada!.id])
    expect(await restored({ id: 8, name: 'Tom', owner_id: bob!.id })).toEqual([8, 'Tom', null])
    expect(await restored({ id: 9, name: 'Stray', owner_id: null })).toEqual([9, 'Stray', null])
  })
})
