/**
 * The Node-side checks' report: one line per check as it is made, and at the
 * end the `N passed, N failed` line that CI reads, with the exit code to match.
 */
export function createChecks() {
  let passed = 0
  let failed = 0
  return {
    check(name: string, ok: boolean, detail?: string) {
      if (ok) passed++
      else failed++
      console.log(`${ok ? '✓' : '✗'} ${name}${ok || !detail ? '' : `\n    ${detail}`}`)
    },
    /** Prints the closing line and ends the process: non-zero if any check failed. */
    finish(): never {
      console.log(`${passed} passed, ${failed} failed`)
      process.exit(failed === 0 ? 0 : 1)
    },
  }
}
