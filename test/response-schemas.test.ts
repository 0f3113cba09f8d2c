import { describe, expect, it } from 'vitest'
import { actorRow } from './expected'
import { documentOfTheApi } from './helpers'
import { responseProblems, schemaProblems } from './response-schemas'

// The check every 2xx body of the suite passes through (test/helpers.ts
// `fetchWorker`), shown to fail where it must.

const document = {
  paths: {},
  components: {
    schemas: { Actor: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } }, required: ['id', 'name'] } },
  },
}
const list = {
  type: 'object',
  properties: {
    actors: { type: 'array', items: { $ref: '#/components/schemas/Actor' } },
    next: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
  },
  required: ['actors'],
}

describe('schemaProblems', () => {
  it('finds nothing in a body as documented', () => {
    expect(schemaProblems(list, { actors: [{ id: 1, name: 'Ada' }], next: null }, document)).toEqual([])
  })

  it('names a key the document lacks, at any depth, through $ref and arrays', () => {
    expect(
      schemaProblems(
        list,
        {
          actors: [
            { id: 1, name: 'Ada' },
            { id: 2, name: 'Bo', agent: 'X' },
          ],
        },
        document,
      ),
    ).toEqual(['body.actors[1].agent: not documented'])
  })

  it('names a required key that is missing', () => {
    expect(schemaProblems(list, { actors: [{ id: 1 }] }, document)).toEqual(['body.actors[0].name: documented as required, missing'])
  })

  it('checks a value against every branch of anyOf, and types', () => {
    expect(schemaProblems(list, { actors: [], next: 'x' }, document)).toEqual(['body.next: is string, documented as integer'])
    expect(schemaProblems(list, { actors: {} }, document)).toEqual(['body.actors: is object, documented as array'])
  })
})

describe('responseProblems', () => {
  it('names the route, the status and the key, against the served /openapi.json', async () => {
    const served = await documentOfTheApi()
    const body = { success: true, actor: actorRow({ id: 1, name: 'Ada', age: 30, gender: 'Other', agent: 'X' }) }
    expect(responseProblems(served, 'GET', 'https://api.test/actors/1', 200, body)).toEqual([
      'GET /actors/{id} 200: body.actor.agent: not documented',
    ])
    expect(responseProblems(served, 'GET', 'https://api.test/actors/1/movies', 200, { success: true, actor_id: 1 })).toEqual([
      'GET /actors/{id}/movies 200: body.movies: documented as required, missing',
    ])
    expect(responseProblems(served, 'PUT', 'https://api.test/movies/1/actors/2', 202, {})).toEqual([
      'PUT /movies/{id}/actors/{actor_id} 202: answered a JSON body, but /openapi.json documents no JSON body for this status',
    ])
  })
})
