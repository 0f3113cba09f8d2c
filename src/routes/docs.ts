import { Scalar } from '@scalar/hono-api-reference'
import { Hono } from 'hono'
import type { GenerateSpecOptions } from 'hono-openapi'
import * as z from 'zod'
import { PERMISSIONS } from '../auth/permissions.ts'
import { readsIfNoneMatch } from '../conditional.ts'
import type { AppEnv } from '../env.ts'
import { builtDocument, openAPIDocument, operation } from '../openapi.ts'
import { resources } from '../resources/index.ts'

/** Where the Scalar bundle is served from: this Worker's static assets, never a CDN. */
const SCALAR_SCRIPT = '/docs/scalar.js'

/** What /openapi.json answers, in outline: a generated client needs no more of it. */
const documentSchema = z
  .looseObject({ openapi: z.literal('3.1.0'), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.looseObject({}) })
  .meta({ description: 'An OpenAPI 3.1 document.' })

/**
 * Where the document written at build time is among the static assets
 * (public/, not committed). Only the Worker reads it: with
 * `run_worker_first`, a request for this path is the Worker's 404.
 */
export const DOCUMENT_ASSET = '/generated/openapi.json'

/** What the document says besides its routes, for hono-openapi. */
export const documentOptions: Partial<GenerateSpecOptions> = {
  // Our 400s are the envelope, declared per route; and this document's own path ends in `.json`.
  defaultValidationErrorResponse: false,
  excludeStaticFile: false,
  documentation: {
    openapi: '3.1.0',
    info: {
      title: 'Casting Agency API',
      version: '1.0.0',
      contact: { name: 'Casting Agency API maintainers' },
      description: [
        'Actors, movies and who is cast in what, with role-based access through Auth0.',
        'Every response is JSON; errors are `{"success": false, "error": <status>, "message": "…"}`.',
        `Each operation names the permission it needs in \`x-permission\` (one of ${PERMISSIONS.map((p) => `\`${p}\``).join(', ')}).`,
      ].join('\n\n'),
    },
    tags: [
      // Each declared resource's tag, as src/routes/standard.ts names it, with what a row holds.
      ...resources.map(({ tag, fields }) => ({
        name: tag,
        description: `${tag}: ${Object.keys(fields).slice(1).join(', ').replaceAll('_', ' ')}.`,
      })),
      { name: 'Castings', description: 'Who is cast in what, and for what fee.' },
      { name: 'History', description: 'The change feed: every change to every resource, in one order.' },
      { name: 'Webhooks', description: 'The change feed pushed to URLs, signed per Standard Webhooks (docs/webhooks.md).' },
      { name: 'Service', description: 'Health and documentation; no authentication.' },
    ],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An Auth0 access token (RS256).' },
      },
    },
  },
}

/**
 * GET /openapi.json and GET /docs, Scalar's reference rendered from it. The
 * document is generated from `app`'s routes on the first request; with
 * `built`, it is the one the build generated from them (DOCUMENT_ASSET), as the
 * Worker serves its own (src/index.ts).
 */
export const docs = (app: Hono<AppEnv>, { built = false }: { built?: boolean } = {}) =>
  new Hono<AppEnv>()
    .get(
      '/openapi.json',
      operation({
        operationId: 'getOpenApiDocument',
        tag: 'Service',
        summary: 'This document',
        description: 'No authentication. Generated from the routes and the zod schemas that validate them; cached after the first request.',
        success: {
          status: 200,
          description: 'The OpenAPI 3.1 document of every route, generated from the schemas that validate them.',
          schema: documentSchema,
        },
      }),
      built ? builtDocument(DOCUMENT_ASSET) : openAPIDocument(app, documentOptions),
    )
    .get(
      SCALAR_SCRIPT,
      operation({
        operationId: 'getDocsScript',
        tag: 'Service',
        summary: "This reference's script",
        description: "No authentication. Scalar's script for /docs, served by this Worker so that the page needs no other host.",
        // The static assets answer conditional requests themselves.
        success: [
          {
            status: 200,
            description: 'Scalar, from the static assets.',
            media: 'text/javascript',
            headers: { ETag: "The script's ETag." },
          },
          { status: 304, description: '`If-None-Match` names the current ETag; no body.', headers: { ETag: "The script's ETag." } },
        ],
      }),
      readsIfNoneMatch(async (c) => {
        const asset = await c.env.ASSETS.fetch(c.req.raw)
        // A copy: the asset's headers are immutable, and our middleware adds to them.
        return new Response(asset.body, asset)
      }),
    )
    .get(
      '/docs',
      operation({
        operationId: 'getDocsPage',
        tag: 'Service',
        summary: 'This reference',
        description: 'No authentication. An interactive API reference, rendered in the browser from /openapi.json.',
        success: { status: 200, description: 'An interactive page rendered from /openapi.json.', media: 'text/html' },
      }),
      Scalar({
        url: '/openapi.json',
        cdn: SCALAR_SCRIPT,
        pageTitle: 'Casting Agency API',
        // Nothing from other hosts: no web fonts, and no AI agent (it calls Scalar's servers).
        withDefaultFonts: false,
        agent: { disabled: true },
      }),
    )
