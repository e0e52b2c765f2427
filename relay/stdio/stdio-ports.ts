import { parse as parseYaml } from 'yaml'
import type { RelayConfig } from '../config/schema.ts'

/** Where the settings came from, as `loadConfig` read them. */
export interface PortSources {
  argv: readonly string[]
  env: Readonly<Record<string, string | undefined>>
  /** The YAML config file's text, if one was given. */
  configText: string | undefined
}

/** The two listening ports: config key, flag and environment variable. */
const PORTS = [
  { key: 'port', flag: 'port', env: 'MCPP_PORT' },
  { key: 'p2pPort', flag: 'p2p-port', env: 'MCPP_P2P_PORT' },
] as const

/**
 * In stdio mode the HTTP server and the libp2p node listen on free ports (0) unless a
 * port was set by flag, environment or config file. A desktop client starts its stdio
 * servers on its own; on the defaults (8000, 8001) the second one, or one beside a
 * running `npm start`, would fail to start on a port clash. The relay still serves
 * HTTP (the dashboard, /metrics) on the port it picked, which it logs on stderr.
 */
export function stdioPorts(config: RelayConfig, sources: PortSources): RelayConfig {
  const file = fileKeys(sources.configText)
  const out = { ...config }
  for (const { key, flag, env } of PORTS) {
    const set =
      sources.argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`)) ||
      sources.env[env] !== undefined ||
      file.has(key)
    if (!set) out[key] = 0
  }
  return out
}

/** The top-level keys of the config file (loadConfig has already checked that it parses). */
function fileKeys(text: string | undefined): Set<string> {
  if (text === undefined) return new Set()
  const doc: unknown = parseYaml(text)
  return doc !== null && typeof doc === 'object' ? new Set(Object.keys(doc)) : new Set()
}
