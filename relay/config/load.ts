import { parseArgs } from 'node:util'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'
import type { OptionSpec } from './option-spec.ts'
import { OPTIONS } from './options.ts'
import { configSchema, type RelayConfig } from './schema.ts'

export type LoadResult =
  | { ok: true; action: 'run'; config: RelayConfig; configFile: string | undefined }
  | { ok: true; action: 'help' }
  | { ok: true; action: 'version' }
  | { ok: false; message: string }

export interface LoadSources {
  argv: readonly string[]
  env: Readonly<Record<string, string | undefined>>
  readFile(path: string): string
}

type Raw = Record<string, unknown>
type Coerced = { ok: true; value: unknown } | { ok: false; message: string }

function coerce(spec: OptionSpec, text: string, source: string): Coerced {
  switch (spec.kind) {
    case 'int':
      return /^-?\d+$/.test(text.trim())
        ? { ok: true, value: Number(text) }
        : { ok: false, message: `${source}: expected an integer, got "${text}"` }
    case 'number':
      return text.trim() !== '' && Number.isFinite(Number(text))
        ? { ok: true, value: Number(text) }
        : { ok: false, message: `${source}: expected a number, got "${text}"` }
    case 'bool': {
      const v = text.trim().toLowerCase()
      if (['1', 'true', 'yes', 'on', ''].includes(v)) return { ok: true, value: true }
      if (['0', 'false', 'no', 'off'].includes(v)) return { ok: true, value: false }
      return { ok: false, message: `${source}: expected true or false, got "${text}"` }
    }
    case 'list':
      return {
        ok: true,
        value: text
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      }
    default:
      return { ok: true, value: text }
  }
}

function setPath(target: Raw, dotted: string, value: unknown): void {
  const keys = dotted.split('.')
  let node = target
  for (const key of keys.slice(0, -1)) {
    const next = node[key]
    node[key] = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Raw) } : {}
    node = node[key] as Raw
  }
  node[keys[keys.length - 1] as string] = value
}

/** Names each problem by its config key, e.g. `key 'router.rules.0.runtime': …`. */
export function describeConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  sourceOf: (key: string) => string,
): string {
  return issues
    .map((issue) => {
      const base = issue.path.map(String).join('.')
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((k) => `unknown key '${base ? `${base}.${k}` : k}'`).join('; ')
      }
      return `key '${base}'${sourceOf(base)}: ${issue.message}`
    })
    .join('; ')
}

function readConfigFile(
  path: string,
  readFile: LoadSources['readFile'],
): { ok: true; raw: Raw } | { ok: false; message: string } {
  let text: string
  try {
    text = readFile(path)
  } catch (err) {
    return { ok: false, message: `config file ${path}: cannot read it (${(err as Error).message})` }
  }
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    return { ok: false, message: `config file ${path}: invalid YAML: ${(err as Error).message}` }
  }
  if (doc === null || doc === undefined) return { ok: true, raw: {} }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, message: `config file ${path}: the top level must be a mapping of keys to values` }
  }
  const checked = configSchema.safeParse(doc)
  if (!checked.success) {
    return {
      ok: false,
      message: `config file ${path}: ${describeConfigIssues(checked.error.issues, () => '')}`,
    }
  }
  return { ok: true, raw: doc as Raw }
}

/**
 * Builds the relay configuration from, lowest precedence first: built-in defaults, the
 * YAML file (`--config` or MCPP_CONFIG), MCPP_* environment variables, and flags.
 * Every error names the key and where the bad value came from.
 */
export function loadConfig({ argv, env, readFile }: LoadSources): LoadResult {
  const flagOptions: Record<string, { type: 'string' | 'boolean' }> = {
    config: { type: 'string' },
    help: { type: 'boolean' },
    version: { type: 'boolean' },
  }
  for (const spec of OPTIONS) flagOptions[spec.flag] = { type: spec.kind === 'bool' ? 'boolean' : 'string' }
  let flags: Record<string, string | boolean | undefined>
  try {
    flags = parseArgs({ args: [...argv], options: flagOptions, strict: true, allowPositionals: false }).values
  } catch (err) {
    return { ok: false, message: `${(err as Error).message} (see --help)` }
  }
  if (flags.help === true) return { ok: true, action: 'help' }
  if (flags.version === true) return { ok: true, action: 'version' }

  const configFile = (flags.config as string | undefined) ?? env.MCPP_CONFIG
  let raw: Raw = {}
  if (configFile !== undefined && configFile !== '') {
    const file = readConfigFile(configFile, readFile)
    if (!file.ok) return file
    raw = file.raw
  }
  const sources = new Map<string, string>()
  for (const layer of ['env', 'flag'] as const) {
    for (const spec of OPTIONS) {
      const value = layer === 'env' ? env[spec.env] : flags[spec.flag]
      if (value === undefined) continue
      const source = layer === 'env' ? spec.env : `--${spec.flag}`
      const coerced = typeof value === 'boolean' ? { ok: true as const, value } : coerce(spec, value, source)
      if (!coerced.ok) return { ok: false, message: coerced.message }
      setPath(raw, spec.key, coerced.value)
      sources.set(spec.key, source)
    }
  }
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) {
    const from = (key: string) => {
      // A list element's issue (`relays.members.1`) comes from the list's source.
      const owner = [...sources.keys()].find((k) => key === k || key.startsWith(`${k}.`))
      const source = owner === undefined ? undefined : sources.get(owner)
      return source ? ` (from ${source})` : configFile ? ` (from ${configFile})` : ''
    }
    return { ok: false, message: `invalid configuration: ${describeConfigIssues(parsed.error.issues, from)}` }
  }
  return { ok: true, action: 'run', config: parsed.data, configFile }
}
