import { actors, castings, movies } from './schema.ts'

// What the API shows of each resource, named once. A query selects these
// columns, the ETag hashes exactly these (src/queries/changes.ts
// `contentHash`), and the tests digest these, so a field added here is in all
// of them; test/fields.test.ts fails while a column of the table, or a key of
// the response schema, is missing from its list.

export const actorFields = { id: actors.id, name: actors.name, age: actors.age, gender: actors.gender }
export const movieFields = { id: movies.id, title: movies.title, release_date: movies.release_date }
export const castingFields = { movie_id: castings.movie_id, actor_id: castings.actor_id, fee: castings.fee }
