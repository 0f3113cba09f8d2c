/** The permissions of API.md section 3 (and `read:history`, Part C4; `manage:webhooks`, D2). */
export const PERMISSIONS = [
  'read:actors',
  'read:movies',
  'create:actors',
  'edit:actors',
  'delete:actors',
  'edit:movies',
  'create:movies',
  'delete:movies',
  'read:history',
  'manage:webhooks',
] as const

export type Permission = (typeof PERMISSIONS)[number]

/** The roles as assigned in Auth0; the API itself only ever sees permissions. */
export const ROLES = {
  assistant: ['read:actors', 'read:movies'],
  director: ['read:actors', 'read:movies', 'create:actors', 'edit:actors', 'delete:actors', 'edit:movies'],
  producer: PERMISSIONS,
} as const satisfies Record<string, readonly Permission[]>

export type Role = keyof typeof ROLES
