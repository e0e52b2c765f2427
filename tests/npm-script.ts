import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..')

/** What an npm script of the form `NAME=${NAME:-default} … exec node --flag x.js` runs. */
export interface NpmScript {
  /** Environment defaults the script sets: a caller's own value of each wins. */
  envDefaults: Record<string, string>
  /** The command after the assignments and `exec`: ['node', '--flag', 'x.js']. */
  command: string[]
}

const DEFAULTED = /^([A-Z_][A-Z0-9_]*)=\$\{\1:-([^}\s]*)\}$/

/**
 * Reads one of package.json's scripts. Only the shapes this package uses are
 * understood: leading `NAME=${NAME:-value}` assignments, then `exec`, then a plain
 * word list. Anything else throws, so a script that grows a new shape fails loudly
 * here instead of being half-read by the bench and the Dockerfile check.
 */
export function npmScript(name: string): NpmScript {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>
  }
  const script = pkg.scripts[name]
  if (script === undefined) throw new Error(`package.json has no script ${name}`)
  const words = script.split(/\s+/).filter(Boolean)
  const envDefaults: Record<string, string> = {}
  for (let match = DEFAULTED.exec(words[0] ?? ''); match; match = DEFAULTED.exec(words[0] ?? '')) {
    envDefaults[match[1] as string] = match[2] as string
    words.shift()
  }
  if (words[0] === 'exec') words.shift()
  if (words.some((w) => /[$'"`;&|<>]/.test(w)))
    throw new Error(`script ${name} is not a plain command: ${script}`)
  return { envDefaults, command: words }
}

/** `process.env` with a script's defaults under it, as the shell would have run it. */
export function scriptEnv(script: NpmScript, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...script.envDefaults, ...env }
}
