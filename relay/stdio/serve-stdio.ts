import type { Readable, Writable } from 'node:stream'
import { serveStdio as serveBothEras } from '@modelcontextprotocol/server/stdio'
import { McppError } from '../../shared/errors.ts'
import { decideAccess, OPERATOR, ruleKey } from '../../shared/security/access-policy.ts'
import { type Caller, createMcpServer, type McpSurface, toolListing } from '../mcp/create-server.ts'
import type { RelayComponents } from '../relay-components.ts'
import { StdioLineTransport } from './stdio-transport.ts'

export interface StdioOptions {
  stdin: Readable
  /** The real stdout (stdout-guard.ts keeps everything else off it). */
  stdout: Writable
}

export interface StdioSession {
  caller: Caller
  /** Resolves when the client has gone: stdin ended or the transport closed. */
  ended: Promise<void>
}

/**
 * Who the stdio client is (`stdio.identity`). The operator by default: whoever can start
 * the process can read its data directory and config, so a bearer check would protect
 * nothing. A policy identity narrows it to that identity's rule (its tools, quotas).
 */
export function stdioCaller(c: Pick<RelayComponents, 'access' | 'config'>): Caller {
  const identity = c.config.stdio.identity
  if (identity !== OPERATOR && !Object.hasOwn(c.access.policy.identities, identity)) {
    throw new McppError(
      'INVALID_PARAMS',
      `--stdio-identity "${identity}" is neither "operator" nor an identity of the access policy`,
    )
  }
  return { identity, quotaKey: identity }
}

/**
 * One MCP connection over stdio (`--stdio`, issue 15), served by the same server factory
 * as /mcp (create-server.ts): the same exposed tools and listing, router, access
 * policy, call quotas, audit and in-flight calls (a stop drains them with the HTTP
 * sessions'). The SDK's `serveStdio` decides the era from the opening message: a 2025
 * `initialize` or a 2026-07-28 `server/discover` (or any request with the 2026
 * envelope), and pins one server for the connection. The connection has one caller
 * (`stdio.identity`), so the surface names it. The surface is the one components.ts
 * gives McpSessions, rebuilt from the same parts because McpSessions keeps its own private.
 */
export async function serveStdio(c: RelayComponents, options: StdioOptions): Promise<StdioSession> {
  const caller = stdioCaller(c)
  const surface: McpSurface = {
    version: c.version,
    exposed: c.exposed,
    executor: c.executor,
    canCall: (tool, identity) => decideAccess(c.access.policy, identity, tool).allowed,
    viewKey: (identity) => ruleKey(c.access.policy, identity),
    callQuotas: c.quotas,
    calls: c.calls,
    registry: c.registry,
    tasks: c.tasks,
    workflows: c.workflows,
    caller,
  }
  const listing = toolListing([...c.exposed.values()].filter((t) => surface.canCall(t, caller.identity)))
  const transport = new StdioLineTransport(options.stdin, options.stdout, c.log, c.config.maxBodyBytes)
  const ended = new Promise<void>((resolve) => {
    options.stdin.once('end', resolve)
    options.stdin.once('close', resolve)
  })
  const handle = serveBothEras(() => createMcpServer(surface, listing), {
    transport,
    onerror: (err) => c.log.debug('stdio: MCP error', { error: err.message }),
  })
  void ended.then(() => handle.close())
  c.log.info('serving MCP over stdio', { identity: caller.identity, tools: listing.tools.length })
  return { caller, ended }
}
