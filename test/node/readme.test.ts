// The claims of the README and of docs/ that a test can check: the README's
// length, the scripts and the files each names. (The endpoint table of
// docs/endpoints.md is checked against /openapi.json in test/openapi.test.ts.)
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from '../../scripts/lib/paths.ts'

const read = (path: string) => readFileSync(join(root, path), 'utf8')
const readme = read('README.md')
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
]
const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts)

describe('README.md', () => {
  it('leads in 250 lines or fewer, and points to each page of docs/', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(250)
    expect(pages.filter((page) => page !== 'README.md' && !readme.includes(`\`${page}\``))).toEqual([])
  })
})

describe.each(pages)('%s', (page) => {
  const text = read(page)

  it('names only npm scripts that exist', () => {
    const named = new Set([...text.matchAll(/npm run (?:-s )?([\w:-]+)/g)].map((match) => match[1]!))
    expect([...named].filter((name) => !scripts.includes(name))).toEqual([])
    expect(scripts).toEqual(expect.arrayContaining(['dev', 'test']))
  })

  it('names only files and folders that exist', () => {
    const paths = new Set(
      [...text.matchAll(/`((?:src|scripts|test|migrations|docs)\/[\w./<>-]*|\.dev\.vars\.example|wrangler\.toml|\.ci\/run)`/g)]
        .map((match) => match[1]!)
        .filter((path) => !path.includes('<')),
    )
    if (page === 'README.md') expect(paths.size).toBeGreaterThan(10)
    expect([...paths].filter((path) => !existsSync(join(root, path)))).toEqual([])
  })
})
