import { Hono } from 'hono'
import type { AppEnv } from '../env.ts'
import { actorResource } from '../resources/actors.ts'
import { related, standardRoutes } from './standard.ts'

export const actors = new Hono<AppEnv>().route('/', standardRoutes(actorResource)).get('/:id/movies', ...related(actorResource))
