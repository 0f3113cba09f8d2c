// `npm run token -- assistant|director|producer`: a bearer token for the local
// development issuer that `npm run dev` starts when no Auth0 tenant is set.
import { ROLES, type Role } from '../src/auth/permissions.ts'
import { mintDevToken } from './lib/dev-issuer.ts'

const role = process.argv[2]
if (!role || !(role in ROLES)) {
  console.error(`usage: npm run token -- ${Object.keys(ROLES).join('|')}`)
  process.exit(2)
}
console.log(await mintDevToken(role as Role))
