import { Hono } from 'hono'
import type { AppEnv } from '../env.ts'
import { movieResource } from '../resources/movies.ts'
import { related, standardRoutes } from './standard.ts'

export const movies = new Hono<AppEnv>().route('/', standardRoutes(movieResource)).get('/:id/actors', ...related(movieResource))
