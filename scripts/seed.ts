// `npm run db:seed`: a few sample actors, movies and castings, for trying the
// API by hand. Adds to what is there; delete .data/ to start from empty.
import { actors, castings, movies } from '../src/db/schema.ts'
import { withDevDatabase } from './lib/database.ts'

await withDevDatabase(async (db) => {
  const cast = await db
    .insert(actors)
    .values([
      { name: 'Matthew Broderick', age: 62, gender: 'Male' },
      { name: 'Frances McDormand', age: 67, gender: 'Female' },
      { name: 'Tilda Swinton', age: 64, gender: 'Female' },
      { name: 'Kai Ono', age: 29 },
    ])
    .returning()
  const films = await db
    .insert(movies)
    .values([
      { title: 'Fargo', release_date: '1996-03-08' },
      { title: 'Orlando', release_date: '1992-09-01' },
      { title: 'The First Movie', release_date: '2020-02-16' },
    ])
    .returning()
  await db.insert(castings).values([
    { movie_id: films[0]!.id, actor_id: cast[1]!.id, fee: 250000 },
    { movie_id: films[1]!.id, actor_id: cast[2]!.id, fee: 180000.5 },
    { movie_id: films[2]!.id, actor_id: cast[0]!.id, fee: null },
    { movie_id: films[2]!.id, actor_id: cast[3]!.id, fee: 1200 },
  ])
  console.log(`seeded ${cast.length} actors, ${films.length} movies and 4 castings`)
})
