import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * The project root: the nearest folder upward holding the `mcpp` package.json, so that
 * the relay finds it both from source (relay/) and from the build (dist/relay/).
 */
export function packageRoot(): { dir: string; version: string; engines: { node?: string } } | undefined {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: string
        version: string
        engines?: { node?: string }
      }
      if (pkg.name === 'mcpp')
        return { dir: fileURLToPath(dir), version: pkg.version, engines: pkg.engines ?? {} }
    } catch {
      // No package.json here; keep walking up.
    }
    if (dir.pathname === '/') return undefined
  }
}

/** The Node.js versions the package runs on (package.json `engines.node`). */
export function requiredNode(): string | undefined {
  return packageRoot()?.engines.node
}

export function readVersion(): string {
  return packageRoot()?.version ?? '0.0.0'
}

/** The built pages (`npm run build` runs Vite into dist/web), if they exist. */
export function findWebRoot(): string | undefined {
  const root = packageRoot()
  if (!root) return undefined
  const web = `${root.dir}dist/web`
  return existsSync(`${web}/index.html`) ? web : undefined
}
