#!/usr/bin/env -S node --disable-warning=ExperimentalWarning --max-semi-space-size=8 --heap-growing-percent=30
// `npx mcpp [options]` (package.json `bin`): the relay, with the options of `npm start`
// (`npx mcpp --help` lists them) and the same V8 settings.
//
// It runs the TypeScript sources (relay/main.ts) with Node 22's built-in type
// stripping, as `npm run dev` does, not the build in dist/: a fresh clone has no dist/,
// and building on every launch would cost a desktop client five seconds per start and
// could serve a stale build after an edit. Stripping costs ~15 MB of memory (README,
// Quick start). Two consequences: Node refuses to strip types under node_modules, so
// this bin works from a checkout (`npx mcpp` inside it, `npm link`, or a path), not
// from a published tarball, and the package is private; and the dashboard pages need
// `npm run build` once (dist/web), as they do for `npm run dev`.
//
// `env -S` passes the flags (Linux coreutils 8.30+, macOS). Under `npx` and npm scripts
// `node` is the pinned Node 22 in node_modules/.bin; main.ts checks the version first.
if (!process.features.typescript) {
  // An older Node cannot even load main.ts, whose own version check would explain this.
  const root = new URL('../..', import.meta.url).pathname
  process.stderr.write(
    `mcpp: Node ${process.version} cannot run the TypeScript sources; use Node 22.18 or newer, ` +
      `e.g. the pinned one: ${root}node_modules/.bin/node ${root}relay/bin/mcpp.js\n`,
  )
  process.exit(1)
}
await import('../main.ts')
