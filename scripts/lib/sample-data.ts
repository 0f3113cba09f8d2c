import type pg from 'pg'

// Tables of realistic shape for measuring plans and growth, made by the
// server itself (generate_series), so a million rows take seconds. Every
// value is a function of the row's number, spread over the ids (genders by a
// permutation of each thousand), so a filter matches about the same share of
// any stretch of the table, small or large: a surname about
// 2% of the actors, `Non-binary` 2.8%, `Agender` 0.2%, one age 1.6%, a
// word of a title 2.5%, one year of release dates 1%.

const FIRST = (
  'Ada Alan Amara Ana Anders Aiko Bea Bruno Carla Chen Dara Diego Elif Emil Fatima Felix Grace Hana Hugo Ines ' +
  'Ivan Jade Jonas Kai Lena Luis Maya Mateo Nadia Noah Olga Omar Priya Rafael Rosa Sami Sofia Tariq Vera Yusuf'
).split(' ')
const LAST = (
  'Abe Alvarez Andersen Bakker Banerjee Bianchi Brown Castillo Chowdhury Costa Dubois Eriksson Fischer Garcia ' +
  'Haddad Horvat Ibrahim Ivanova Jansen Kim Kowalski Larsen Lopez Mbeki Moreau Nakamura Novak Nguyen Okafor Olsen ' +
  'Patel Petrov Quinn Rossi Santos Schmidt Silva Sato Tanaka Torres Usman Varga Wagner Wang Weber Xu Yilmaz Zhang ' +
  'Zielinski Zulu'
).split(' ')
const ADJECTIVES = (
  'Silent Crimson Last Golden Hidden Broken Endless Frozen Distant Burning Lost Quiet Wild Hollow Bright Dark ' +
  'Northern Secret Electric Paper Iron Velvet Midnight Summer Winter Savage Gentle Falling Rising Second'
).split(' ')
const NOUNS = (
  'River Garden Empire Harbor Mirror Station Kingdom Letter Island Machine Orchard Signal Forest Bridge Promise ' +
  'Voyage Horizon Lighthouse Carnival Desert Cathedral Frontier Storm Symphony Shadow Tide Valley Witness Window ' +
  'Circus Compass Dynasty Echo Fortress Galaxy Hunter Journey Labyrinth Meadow Monsoon'
).split(' ')

const textArray = (values: string[]) => `array[${values.map((value) => `'${value}'`).join(', ')}]`

/** Actors numbered `from` to `to` (their ids, in an empty table): names, genders 46/46/5/2.8/0.2%, ages 18 to 80 and a few outside. */
export async function insertSampleActors(client: Pick<pg.Client, 'query'>, from: number, to: number) {
  await client.query(
    `insert into actors (name, age, gender)
     select (${textArray(FIRST)})[1 + i % ${FIRST.length}] || ' ' || (${textArray(LAST)})[1 + (i / ${FIRST.length}) % ${LAST.length}],
            case when i % 50 = 0 then (i / 50) % 151 else 18 + (i * 37) % 63 end,
            case when g < 460 then 'Female' when g < 920 then 'Male' when g < 970 then 'Other' when g < 998 then 'Non-binary' else 'Agender' end
     from generate_series($1::int, $2::int) as i, lateral (select (i * 389) % 1000 as g) as shuffled`,
    [from, to],
  )
}

/** Movies numbered `from` to `to`: titles of two words from lists, release dates from 1920 to 2024. */
export async function insertSampleMovies(client: Pick<pg.Client, 'query'>, from: number, to: number) {
  await client.query(
    `insert into movies (title, release_date)
     select 'The ' || (${textArray(ADJECTIVES)})[1 + i % ${ADJECTIVES.length}] || ' ' || (${textArray(NOUNS)})[1 + (i / ${ADJECTIVES.length}) % ${NOUNS.length}],
            date '1920-01-01' + (i * 7919) % 38000
     from generate_series($1::int, $2::int) as i`,
    [from, to],
  )
}
