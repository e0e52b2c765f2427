import type { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js'
import type { CallerInfo, Tool, ToolContext } from '../../shared/tool/types.ts'

/** Who sent a request: the authenticated identity, and the key its quotas count under. */
export interface Caller {
  identity: string | undefined
  quotaKey: string
}

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>

/** How a caller rides into request handlers: the SDK passes `authInfo` through to `extra`. */
export function authInfoOf(caller: Caller) {
  return { token: '', clientId: caller.identity ?? '', scopes: [], extra: { caller } }
}

export function callerOf(extra: Extra): Caller {
  const caller = extra.authInfo?.extra?.caller as Caller | undefined
  return caller ?? { identity: undefined, quotaKey: 'unknown' }
}

/** The caller as tools see it: the session and the identity, when known. */
export function callerInfoOf(extra: Extra): CallerInfo {
  const who = callerOf(extra)
  const caller: CallerInfo = {}
  if (extra.sessionId !== undefined) caller.sessionId = extra.sessionId
  if (who.identity !== undefined) caller.identity = who.identity
  return caller
}

export function toolContext(
  server: Server,
  tool: Tool,
  extra: Extra,
  caller: CallerInfo,
  signal: AbortSignal,
): ToolContext {
  const token = extra._meta?.progressToken
  return {
    signal,
    caller,
    progress:
      token === undefined
        ? () => {}
        : (progress, total, message) => {
            void extra
              .sendNotification({
                method: 'notifications/progress',
                params: {
                  progressToken: token,
                  progress,
                  ...(total === undefined ? {} : { total }),
                  ...(message ? { message } : {}),
                },
              })
              .catch(() => {})
          },
    log: (level, data) => {
      void server.sendLoggingMessage({ level, logger: tool.name, data }, extra.sessionId).catch(() => {})
    },
  }
}
