import { z } from 'zod'
import { type LoadedPolicy, OPEN, parseAccessPolicy } from '../security/policy-file.ts'
import { relayKeyOf } from './session-route.ts'

/**
 * The edge Worker's settings (issue 14), read from its bindings: `[vars]` in
 * wrangler.toml, secrets (`wrangler secret put`, `.dev.vars` locally) and, for the
 * relay list, a KV namespace that can change without a redeploy. Pure: the Worker
 * passes the strings in; a bad value is an error naming the variable.
 */
export const MAX_RELAYS = 64
/** An edge secret shorter than this is refused: it is the only thing relays check. */
export const MIN_EDGE_SECRET_CHARS = 32
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

export interface EdgeVars {
  RELAYS?: string | undefined
  MCPP_EDGE_SECRET?: string | undefined
  MCPP_TOKEN?: string | undefined
  ACCESS_POLICY?: string | undefined
  ALLOWED_HOSTS?: string | undefined
  ALLOWED_ORIGINS?: string | undefined
  MAX_BODY_BYTES?: string | undefined
}

export interface EdgeRelay {
  key: string
  /** Origin of the relay's HTTP side, e.g. `http://127.0.0.1:8000` (no path). */
  url: string
}

export interface EdgeConfig {
  relays: EdgeRelay[]
  secret: string
  token: string | undefined
  access: LoadedPolicy
  allowedHosts: string[]
  allowedOrigins: string[]
  maxBodyBytes: number
}

export class EdgeConfigError extends Error {
  override name = 'EdgeConfigError'
}

const relayUrl = z
  .string()
  .trim()
  .max(512)
  .refine((value) => {
    try {
      const url = new URL(value)
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && !url.search
    } catch {
      return false
    }
  }, 'each relay is an http(s) URL without a path, e.g. https://relay1.example.com')
const relayList = z.array(relayUrl).min(1, 'name at least one relay').max(MAX_RELAYS)
const token = z.string().regex(/^[A-Za-z0-9\-._~+/]+=*$/, 'a bearer token is RFC 6750 b64token characters')

/** A list written as JSON (`["http://a:8000"]`) or comma-separated. */
function listOf(text: string): unknown {
  const trimmed = text.trim()
  if (trimmed.startsWith('[')) return JSON.parse(trimmed)
  return trimmed
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

function check<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : ''
  throw new EdgeConfigError(`${name}${where}: ${issue?.message ?? 'invalid'}`)
}

/** The relays, keyed; two URLs whose keys collide are refused (their sessions would mix). */
export function parseRelays(name: string, text: string | undefined): EdgeRelay[] {
  if (text === undefined || text.trim() === '') throw new EdgeConfigError(`${name}: name at least one relay`)
  let raw: unknown
  try {
    raw = listOf(text)
  } catch (err) {
    throw new EdgeConfigError(`${name}: not JSON: ${(err as Error).message}`)
  }
  const urls = [...new Set(check(name, relayList, raw).map((u) => new URL(u).origin))]
  const byKey = new Map<string, string>()
  for (const url of urls) {
    const key = relayKeyOf(url)
    const other = byKey.get(key)
    if (other !== undefined) throw new EdgeConfigError(`${name}: ${url} and ${other} have the same key`)
    byKey.set(key, url)
  }
  return [...byKey].map(([key, url]) => ({ key, url }))
}

export function parseEdgeConfig(vars: EdgeVars, relaysOverride?: string): EdgeConfig {
  const secret = vars.MCPP_EDGE_SECRET
  if (secret === undefined || secret.length < MIN_EDGE_SECRET_CHARS)
    throw new EdgeConfigError(
      `MCPP_EDGE_SECRET: set a secret of at least ${MIN_EDGE_SECRET_CHARS} characters (wrangler secret put MCPP_EDGE_SECRET; .dev.vars locally), the same as the relays' --edge-secret`,
    )
  let access = OPEN
  if (vars.ACCESS_POLICY !== undefined && vars.ACCESS_POLICY.trim() !== '') {
    let raw: unknown
    try {
      raw = JSON.parse(vars.ACCESS_POLICY)
    } catch (err) {
      throw new EdgeConfigError(`ACCESS_POLICY: not JSON: ${(err as Error).message}`)
    }
    try {
      access = parseAccessPolicy(raw, 'ACCESS_POLICY')
    } catch (err) {
      throw new EdgeConfigError((err as Error).message)
    }
  }
  const names = (text: string | undefined) => (text === undefined ? [] : (listOf(text) as string[]))
  return {
    relays: parseRelays(
      relaysOverride === undefined ? 'RELAYS' : 'RELAYS (KV)',
      relaysOverride ?? vars.RELAYS,
    ),
    secret,
    token:
      vars.MCPP_TOKEN === undefined || vars.MCPP_TOKEN === ''
        ? undefined
        : check('MCPP_TOKEN', token, vars.MCPP_TOKEN),
    access,
    allowedHosts: check('ALLOWED_HOSTS', z.array(z.string().min(1).max(253)), names(vars.ALLOWED_HOSTS)),
    allowedOrigins: check(
      'ALLOWED_ORIGINS',
      z.array(z.string().min(1).max(512)),
      names(vars.ALLOWED_ORIGINS),
    ),
    maxBodyBytes:
      vars.MAX_BODY_BYTES === undefined
        ? DEFAULT_MAX_BODY_BYTES
        : check(
            'MAX_BODY_BYTES',
            z.coerce
              .number()
              .int()
              .min(1024)
              .max(100 * 1024 * 1024),
            vars.MAX_BODY_BYTES,
          ),
  }
}
