/**
 * Whether a Node.js version satisfies the `engines.node` range of package.json, so
 * that an old Node gets one clear line instead of a failure to load a built-in module
 * (issue 10). Only the `>=MAJOR[.MINOR[.PATCH]]` form is read, the one this package
 * uses; npm's `semver` would read every form, but the check runs before anything else
 * is loaded, on any old Node, and one comparison does not justify a dependency. A range
 * in another form is not judged here (`ok`): Node itself then says what is missing.
 */
export type NodeVersionCheck = { ok: true } | { ok: false; needed: string; message: string }

const AT_LEAST = /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/
const VERSION = /^v?(\d+)\.(\d+)\.(\d+)/

export function checkNodeVersion(version: string, range: string): NodeVersionCheck {
  const want = AT_LEAST.exec(range.trim())
  const have = VERSION.exec(version.trim())
  if (!want || !have) return { ok: true }
  const needed = [want[1], want[2], want[3]].map((part) => Number(part ?? 0))
  const actual = [have[1], have[2], have[3]].map(Number)
  for (const [i, n] of needed.entries()) {
    const a = actual[i] as number
    if (a > n) return { ok: true }
    if (a < n) {
      const shown = range.trim().replace(/^>=\s*v?/, '')
      return {
        ok: false,
        needed: shown,
        message: `Node.js ${shown} or newer is needed (package.json engines: "${range.trim()}"); this is Node.js ${version.replace(/^v/, '')}`,
      }
    }
  }
  return { ok: true }
}
