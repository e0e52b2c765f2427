/**
 * The web-standard globals that `shared/` may use, declared for the `shared` type check
 * only (shared/tsconfig.json: `lib: ["ES2023"]`, no DOM, no Node types). Every runtime
 * that loads shared code provides them: Node, browser pages and workers, workerd. The
 * relay, worker and page checks get the same names from their own runtime's types, so
 * shared code compiles only if it uses what all of them agree on.
 *
 * Why not a library: `lib: ["DOM"]` or `["WebWorker"]` would also admit `document`,
 * `self` or `postMessage`, `@types/node` would admit `Buffer` and `process`, and
 * `@cloudflare/workers-types` would admit workerd-only globals. A short list here
 * keeps the boundary explicit: a new global in shared/ is a line added on purpose.
 * Signatures are the subset of TypeScript's lib.dom.d.ts that shared code calls.
 */

interface AbortSignal {
  readonly aborted: boolean
  readonly reason: unknown
  throwIfAborted(): void
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener(type: 'abort', listener: () => void): void
}
declare var AbortSignal: { prototype: AbortSignal }

interface DOMException extends Error {
  readonly name: string
}
declare var DOMException: { prototype: DOMException; new (message?: string, name?: string): DOMException }

interface TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>
}
declare var TextEncoder: { prototype: TextEncoder; new (): TextEncoder }

interface TextDecoder {
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string
}
declare var TextDecoder: {
  prototype: TextDecoder
  new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): TextDecoder
}

declare function atob(data: string): string
declare function btoa(data: string): string

/** The return type differs by runtime (a number in browsers, a Timeout in Node); keep it opaque. */
declare function setTimeout(handler: () => void, timeout?: number): unknown
declare function clearTimeout(id: unknown): void

interface URL {
  readonly host: string
  readonly hostname: string
  readonly protocol: string
  readonly pathname: string
  readonly origin: string
  readonly search: string
  readonly hash: string
  readonly username: string
  readonly password: string
  toString(): string
}
declare var URL: { prototype: URL; new (url: string, base?: string): URL }

interface Response {
  readonly status: number
}
declare var Response: {
  prototype: Response
  new (body?: string | null, init?: { status?: number; headers?: Record<string, string> }): Response
}
