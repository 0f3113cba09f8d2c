// The README's claims that a test can check: its length, the scripts and the
// files it names. (Its endpoint table is checked against /openapi.json in
// test/openapi.test.ts.)
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from '../../scripts/lib/paths.ts'

const readme = readFileSync(join(root, 'README.md'), 'utf8')
const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts)

describe('README.md', () => {
  it('leads in 450 lines or fewer', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(450)
  })

  it('names only npm scripts that exist', () => {
    const named = new Set([...readme.matchAll(/npm run (?:-s )?([\w:-]+)/g)].map((match) => match[1]!))
    named.delete('dev') // checked with the rest below
    expect([...named].filter((name) => !scripts.includes(name))).toEqual([])
    expect(scripts).toEqual(expect.arrayContaining(['dev', 'test']))
  })

  it('names only files and folders that exist', () => {
    const paths = new Set(
      [...readme.matchAll(/`((?:src|scripts|test|migrations|docs)\/[\w./<>-]*|\.dev\.vars\.example|wrangler\.toml|\.ci\/run)`/g)]
        .map((match) => match[1]!)
        .filter((path) => !path.includes('<')),
    )
    expect(paths.size).toBeGreaterThan(10)
    expect([...paths].filter((path) => !existsSync(join(root, path)))).toEqual([])
  })
})
