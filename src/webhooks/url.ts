// Where a webhook may point (API.md D2): an https URL, without credentials,
// to a name or a public IP address. URL parsing has already turned the other
// spellings of an IPv4 address (decimal `2130706433`, octal `0177.0.0.1`, hex
// `0x7f.1`) into dotted quads, and an IPv6 one into its compressed form, so
// the checks read only those two forms.
// @see https://www.iana.org/assignments/iana-ipv4-special-registry/
// @see https://www.iana.org/assignments/iana-ipv6-special-registry/

export const MAX_URL_LENGTH = 2000

/** IPv4 blocks that are not public: [first address as a number, prefix length]. */
const SPECIAL_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and broadcast
]

const v4Number = (address: string) => address.split('.').reduce((n, part) => n * 256 + Number(part), 0)

function isPublicV4(address: string): boolean {
  const n = v4Number(address)
  return !SPECIAL_V4.some(([first, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(v4Number(first) / 2 ** (32 - bits)))
}

/** The eight 16-bit groups of a compressed IPv6 address (as URL parsing writes it: no embedded dotted quad). */
function v6Groups(address: string): number[] {
  const [head = '', tail] = address.split('::')
  const part = (text: string) => (text ? text.split(':').map((group) => Number.parseInt(group, 16)) : [])
  const start = part(head)
  const end = tail === undefined ? [] : part(tail)
  return [...start, ...Array(8 - start.length - end.length).fill(0), ...end]
}

function isPublicV6(address: string): boolean {
  const g = v6Groups(address)
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) name an IPv4 address: that one decides.
  const mapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)
  if (mapped || nat64) return isPublicV4(`${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`)
  const first = g[0]!
  // Only global unicast (2000::/3) is public, less its documentation, Teredo/ORCHID/benchmarking (2001::/23) and 6to4 blocks.
  if ((first & 0xe000) !== 0x2000) return false // ::, ::1, fc00::/7 unique-local, fe80::/10 link-local, ff00::/8 multicast, …
  if (first === 0x2001 && (g[1]! < 0x200 || g[1] === 0xdb8)) return false
  return first !== 0x2002 && first !== 0x3fff // 6to4, documentation (3fff::/20)
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])

/**
 * Whether `raw` is a URL a webhook may be sent to. `allowLoopback`
 * (WEBHOOK_ALLOW_LOOPBACK_HTTP, local only) also lets http:// or https://
 * reach 127.0.0.1, [::1] or localhost, where the tests' receivers listen.
 */
export function isDeliverableUrl(raw: string, allowLoopback: boolean): boolean {
  if (raw.length > MAX_URL_LENGTH || !URL.canParse(raw)) return false
  const url = new URL(raw)
  if (url.username || url.password) return false
  const host = url.hostname
  if (allowLoopback && LOOPBACK_HOSTS.has(host)) return url.protocol === 'http:' || url.protocol === 'https:'
  if (url.protocol !== 'https:') return false
  if (host.startsWith('[')) return isPublicV6(host.slice(1, -1))
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return isPublicV4(host)
  // A name: not one that always means this machine (RFC 6761), nor an empty label.
  return host !== 'localhost' && !host.endsWith('.localhost') && !host.split('.').includes('')
}
