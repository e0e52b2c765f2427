/**
 * The relay entry point: `npm start -- [options]` (start-relay-cli.ts does the work).
 *
 * This file only checks the Node.js version and then loads the rest. ESM imports are
 * linked before any code runs, so with a static import of the relay a Node without
 * `node:sqlite` would fail with ERR_UNKNOWN_BUILTIN_MODULE before a check could speak;
 * the dynamic import below is loaded only after the check (issue 10). Keep this file's
 * own imports free of anything an old Node cannot load.
 */
import { checkNodeVersion } from '../shared/node-version.ts'
import { requiredNode } from './package-root.ts'

const range = requiredNode()
const check = range === undefined ? { ok: true as const } : checkNodeVersion(process.versions.node, range)
if (!check.ok) {
  process.stderr.write(`mcpp: ${check.message}\n`)
  process.exit(1)
}
await import('./start-relay-cli.ts')
