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
      { title: 'Fargo', releaseDate: '1996-03-08' },
      { title: 'Orlando', releaseDate: '1992-09-01' },
      { title: 'The First Movie', releaseDate: '2020-02-16' },
    ])
    .returning()
  await db.insert(castings).values([
    { movieId: films[0]!.id, actorId: cast[1]!.id, fee: 250000 },
    { movieId: films[1]!.id, actorId: cast[2]!.id, fee: 180000.5 },
    { movieId: films[2]!.id, actorId: cast[0]!.id, fee: null },
    { movieId: films[2]!.id, actorId: cast[3]!.id, fee: 1200 },
  ])
  console.log(`seeded ${cast.length} actors, ${films.length} movies and 4 castings`)
})
