import type { Readable, Writable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import {
  type JSONRPCErrorResponse,
  type JSONRPCMessage,
  type MessageExtraInfo,
  parseJSONRPCMessage,
  serializeMessage,
  type Transport,
} from '@modelcontextprotocol/server'
import type { ErrorCode } from '../../shared/errors.ts'
import { RPC } from '../../shared/http/json-rpc-error.ts'
import type { Logger } from '../log.ts'

/**
 * MCP's stdio transport: newline-delimited JSON-RPC on stdin/stdout. Written here rather
 * than taken from the SDK because the SDK's `StdioServerTransport` drops a line that is
 * not JSON without a word. This one answers it with -32700, a JSON message that is not
 * JSON-RPC with -32600, and a line longer than `maxLineBytes` characters with -32600 (the rest of
 * that line is skipped); the session goes on with the next line. The SDK has no id to
 * answer with for such a line, so the answer has none (the MCP schema allows that).
 * `send` resolves once stdout took the line (waiting for `drain`), as the SDK's does.
 */
export class StdioLineTransport implements Transport {
  onclose?: (() => void) | undefined
  onerror?: ((error: Error) => void) | undefined
  onmessage?: (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void) | undefined
  readonly #stdin: Readable
  readonly #stdout: Writable
  readonly #log: Logger
  readonly #maxLineBytes: number
  readonly #decoder = new StringDecoder('utf8')
  #pending = ''
  /** Inside a line that was too long: everything up to the next newline is dropped. */
  #skipping = false
  #closed = false

  constructor(stdin: Readable, stdout: Writable, log: Logger, maxLineBytes: number) {
    this.#stdin = stdin
    this.#stdout = stdout
    this.#log = log
    this.#maxLineBytes = maxLineBytes
  }

  async start(): Promise<void> {
    this.#stdin.on('data', this.#onData)
    this.#stdin.on('error', this.#onError)
    this.#stdin.on('end', this.#onEnd)
    this.#stdin.on('close', this.#onEnd)
    if (this.#stdin.readableEnded || this.#stdin.destroyed) setImmediate(this.#onEnd)
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the stdio transport is closed'))
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        this.#stdout.off('drain', onDrain)
        reject(err)
      }
      const onDrain = () => {
        this.#stdout.off('error', onError)
        resolve()
      }
      this.#stdout.once('error', onError)
      if (this.#stdout.write(serializeMessage(message))) onDrain()
      else this.#stdout.once('drain', onDrain)
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#stdin.off('data', this.#onData)
    this.#stdin.off('error', this.#onError)
    this.#stdin.off('end', this.#onEnd)
    this.#stdin.off('close', this.#onEnd)
    this.#pending = ''
    this.onclose?.()
  }

  readonly #onData = (chunk: Buffer | string) => {
    const from = this.#pending.length
    this.#pending += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk)
    // Only the new text can hold the first newline: a long line is not scanned again per chunk.
    for (let end = this.#pending.indexOf('\n', from); end !== -1; end = this.#pending.indexOf('\n')) {
      const line = this.#pending.slice(0, end)
      this.#pending = this.#pending.slice(end + 1)
      if (this.#skipping) this.#skipping = false
      else this.#line(line.endsWith('\r') ? line.slice(0, -1) : line)
    }
    // Characters, not bytes: counting bytes would walk the whole line at every chunk.
    if (!this.#skipping && this.#pending.length > this.#maxLineBytes) {
      this.#pending = ''
      this.#skipping = true
      this.#answer(
        rpcError(
          RPC.invalidRequest,
          'INVALID_PARAMS',
          `Invalid Request: a line is longer than ${this.#maxLineBytes} characters`,
        ),
      )
    } else if (this.#skipping) {
      this.#pending = ''
    }
  }

  readonly #onError = (err: Error) => this.onerror?.(err)
  readonly #onEnd = () => void this.close()

  #line(line: string): void {
    if (line.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (err) {
      this.#answer(
        rpcError(RPC.parseError, 'BAD_DATA', `Parse error: the line is not JSON (${(err as Error).message})`),
      )
      return
    }
    let message: JSONRPCMessage
    try {
      message = parseJSONRPCMessage(value)
    } catch {
      this.#answer(
        rpcError(
          RPC.invalidRequest,
          'INVALID_PARAMS',
          'Invalid Request: the line is JSON but not a JSON-RPC 2.0 request, notification or response',
        ),
      )
      return
    }
    this.onmessage?.(message)
  }

  #answer(answer: JSONRPCErrorResponse): void {
    this.#log.warn('stdio: unreadable message answered with an error', { error: answer.error.message })
    void this.send(answer).catch(() => {})
  }
}

function rpcError(code: number, mcppCode: ErrorCode, message: string): JSONRPCErrorResponse {
  // The relay's one error shape: the McppError code sits in `data.code` (error-response.ts).
  return { jsonrpc: '2.0', error: { code, message, data: { code: mcppCode } } } as JSONRPCErrorResponse
}
