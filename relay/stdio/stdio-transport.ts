import type { Readable, Writable } from 'node:stream'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js'
import type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  MessageExtraInfo,
} from '@modelcontextprotocol/sdk/types.js'
import type { ErrorCode } from '../../shared/errors.ts'
import { RPC } from '../../shared/http/json-rpc-error.ts'
import type { Logger } from '../log.ts'

/**
 * The SDK's `StdioServerTransport` (newline-delimited JSON-RPC on stdin/stdout) with the
 * two things the relay needs on top:
 *
 * - every message carries the stdio caller as `authInfo`, the way the HTTP transport
 *   hands over the authenticated caller, so tools, the access policy, quotas and the
 *   audit see one identity (create-server.ts reads it back with `callerOf`);
 * - a line that is not JSON, or not a JSON-RPC message, is answered with a JSON-RPC
 *   error (-32700 or -32600) instead of the SDK's silence (it only calls `onerror`),
 *   and the session goes on with the next line. The SDK has already dropped the line,
 *   so the answer has no `id` (the MCP schema makes it optional for this case).
 */
export class StdioCallerTransport implements Transport {
  onclose?: (() => void) | undefined
  onerror?: ((error: Error) => void) | undefined
  onmessage?: (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void) | undefined
  private readonly inner: StdioServerTransport

  constructor(stdin: Readable, stdout: Writable, authInfo: AuthInfo, log: Logger) {
    this.inner = new StdioServerTransport(stdin, stdout)
    this.inner.onmessage = (message) => this.onmessage?.(message, { authInfo })
    this.inner.onclose = () => this.onclose?.()
    this.inner.onerror = (err) => {
      const answer = badLineAnswer(err)
      if (answer !== undefined) {
        log.warn('stdio: unreadable message answered with an error', { error: answer.error.message })
        void this.inner.send(answer).catch(() => {})
      } else {
        log.error('stdio transport error', { error: err.message })
      }
      this.onerror?.(err)
    }
  }

  start(): Promise<void> {
    return this.inner.start()
  }

  /** Stdio has one stream: the SDK's related-request routing has nothing to choose. */
  send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    return this.inner.send(message)
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}

/** The answer to a line the SDK's ReadBuffer could not read, or undefined for other errors. */
export function badLineAnswer(err: Error): JSONRPCErrorResponse | undefined {
  if (err instanceof SyntaxError) {
    return rpcError(RPC.parseError, 'BAD_DATA', `Parse error: the line is not JSON (${err.message})`)
  }
  // The SDK checks each line against its JSON-RPC message schema (zod).
  if (err.name === 'ZodError') {
    return rpcError(
      RPC.invalidRequest,
      'INVALID_PARAMS',
      'Invalid Request: the line is JSON but not a JSON-RPC 2.0 request, notification or response',
    )
  }
  return undefined
}

function rpcError(code: number, mcppCode: ErrorCode, message: string): JSONRPCErrorResponse {
  // The relay's one error shape: the McppError code sits in `data.code` (error-response.ts).
  return { jsonrpc: '2.0', error: { code, message, data: { code: mcppCode } } } as JSONRPCErrorResponse
}
