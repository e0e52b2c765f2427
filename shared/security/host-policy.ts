/**
 * DNS-rebinding protection (MCP transport spec, "Security Warning"): the Host header
 * must name this relay and a browser Origin must be one we trust. `*` turns a check off.
 */
export interface HostPolicy {
  hosts: ReadonlySet<string>
  origins: ReadonlySet<string>
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]']
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]'])

export function hostPolicy(
  bindHost: string,
  extraHosts: readonly string[],
  extraOrigins: readonly string[],
): HostPolicy {
  const hosts = new Set([...LOOPBACK, ...extraHosts.map((h) => h.toLowerCase())])
  if (!WILDCARD_BINDS.has(bindHost))
    hosts.add(bindHost.includes(':') ? `[${bindHost}]` : bindHost.toLowerCase())
  return { hosts, origins: new Set(extraOrigins) }
}

/** The hostname part of a Host header, without the port: `[::1]:8000` → `[::1]`. */
export function hostnameOf(host: string): string {
  const trimmed = host.trim().toLowerCase()
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1)
  const colon = trimmed.lastIndexOf(':')
  return colon === -1 ? trimmed : trimmed.slice(0, colon)
}

export function hostAllowed(host: string | undefined, policy: HostPolicy): boolean {
  if (policy.hosts.has('*')) return true
  return host !== undefined && policy.hosts.has(hostnameOf(host))
}

/** Requests without an Origin (non-browser clients) pass; browser origins must be trusted. */
export function originAllowed(origin: string | undefined, policy: HostPolicy): boolean {
  if (origin === undefined || origin === '') return true
  if (policy.origins.has('*') || policy.origins.has(origin)) return true
  try {
    const url = new URL(origin)
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') && policy.hosts.has(url.hostname.toLowerCase())
    )
  } catch {
    return false
  }
}
