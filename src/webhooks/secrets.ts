import type { Bindings } from '../env.ts'

// A webhook's signing secret is stored encrypted (AES-GCM) with a key that
// only the Worker holds (the WEBHOOK_ENCRYPTION_KEY secret), so a dump of the
// database alone cannot sign a delivery. Signing is HMAC-SHA256 as Standard
// Webhooks defines it, with crypto.subtle: no library in the bundle.
// @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md

const PREFIX = 'whsec_'
const encoder = new TextEncoder()

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (char) => char.charCodeAt(0))

/** A new secret as Standard Webhooks writes one: `whsec_` and 32 random bytes in base64. */
export const newSecret = () => PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)))

const keys = new Map<string, Promise<CryptoKey>>()

/** WEBHOOK_ENCRYPTION_KEY (base64 of 32 bytes) as an AES-GCM key, once per isolate; a missing or malformed one throws. */
function encryptionKey(env: Bindings): Promise<CryptoKey> {
  const encoded = env.WEBHOOK_ENCRYPTION_KEY ?? ''
  let key = keys.get(encoded)
  if (!key) {
    const raw = (() => {
      try {
        return fromBase64(encoded)
      } catch {
        return new Uint8Array()
      }
    })()
    if (raw.length !== 32) throw new Error('WEBHOOK_ENCRYPTION_KEY must be the base64 of 32 bytes.')
    key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
    keys.set(encoded, key)
  }
  return key
}

/** The secret encrypted for storage: base64 of a random 12-byte IV and the ciphertext with its tag. */
export async function sealSecret(env: Bindings, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await encryptionKey(env), encoder.encode(secret)))
  const out = new Uint8Array(iv.length + sealed.length)
  out.set(iv)
  out.set(sealed, iv.length)
  return toBase64(out)
}

/** The secret a `sealSecret` value holds; throws if it was sealed with another key or altered. */
export async function openSecret(env: Bindings, stored: string): Promise<string> {
  const bytes = fromBase64(stored)
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, 12) }, await encryptionKey(env), bytes.subarray(12))
  return new TextDecoder().decode(plain)
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the bytes the secret's base64 (after `whsec_`) encodes. */
export async function signature(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', fromBase64(secret.slice(PREFIX.length)), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ])
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${id}.${timestamp}.${body}`))
  return `v1,${toBase64(new Uint8Array(mac))}`
}
