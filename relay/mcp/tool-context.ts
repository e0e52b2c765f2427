import type { AuthInfo, ServerContext } from '@modelcontextprotocol/server'
import type { CallerInfo, Tool, ToolContext } from '../../shared/tool/types.ts'

/** Who sent a request: the authenticated identity, and the key its quotas count under. */
export interface Caller {
  identity: string | undefined
  quotaKey: string
}

/**
 * What running a tool needs from the request that asked for it: who sent it, its
 * signal, and (inside an SDK handler) its progress token, notifications and log. An SDK
 * handler's context is one; the 2026 `subscriptions/listen` check (modern-endpoint.ts)
 * builds one from the HTTP request, outside any handler.
 */
export interface Extra {
  sessionId?: string | undefined
  http?: { authInfo?: AuthInfo | undefined } | undefined
  mcpReq: {
    signal: AbortSignal
    _meta?: ServerContext['mcpReq']['_meta']
    notify?: ServerContext['mcpReq']['notify']
    log?: ServerContext['mcpReq']['log']
  }
}

/** How a caller rides into request handlers: the SDK passes `authInfo` through to `extra`. */
export function authInfoOf(caller: Caller) {
  return { token: '', clientId: caller.identity ?? '', scopes: [], extra: { caller } }
}

/**
 * Who sent the request: `fixed` when the connection has one caller and carries no
 * authentication of its own (stdio), else the caller the HTTP layer packed into `authInfo`.
 */
export function callerOf(extra: Extra, fixed?: Caller): Caller {
  return fixed ?? callerOfAuth(extra.http?.authInfo)
}

/** The caller that `authInfoOf` packed into an SDK `authInfo`. */
export function callerOfAuth(authInfo: AuthInfo | undefined): Caller {
  const caller = authInfo?.extra?.caller as Caller | undefined
  return caller ?? { identity: undefined, quotaKey: 'unknown' }
}

/** The caller as tools see it: the session and the identity, when known. */
export function callerInfoOf(extra: Extra, fixed?: Caller): CallerInfo {
  const who = callerOf(extra, fixed)
  const caller: CallerInfo = {}
  if (extra.sessionId !== undefined) caller.sessionId = extra.sessionId
  if (who.identity !== undefined) caller.identity = who.identity
  return caller
}

export function toolContext(tool: Tool, extra: Extra, caller: CallerInfo, signal: AbortSignal): ToolContext {
  const token = extra.mcpReq._meta?.progressToken
  const { notify, log } = extra.mcpReq
  return {
    signal,
    caller,
    progress:
      token === undefined || notify === undefined
        ? () => {}
        : (progress, total, message) => {
            void notify({
              method: 'notifications/progress',
              params: {
                progressToken: token,
                progress,
                ...(total === undefined ? {} : { total }),
                ...(message ? { message } : {}),
              },
            }).catch(() => {})
          },
    log: (level, data) => {
      // Related to this request, so it rides on the call's own stream in either era,
      // filtered by the level the client set (logging/setLevel or the 2026 envelope's).
      void log?.(level, data, tool.name).catch(() => {})
    },
  }
}
