// The floor the bench compares against (`npm run bench -- --cpu`): a bare
// Hono Worker answering a constant, built and run exactly as the API is.
import { Hono } from 'hono'

const app = new Hono()
app.get('/', (c) => c.text('hello'))

export default app
