import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server'
import type { RunTool } from './run-tool.ts'
import { ResourceSubscriptions, type SubscriptionSources } from './subscriptions.ts'
import type { Extra } from './tool-context.ts'

/** Each URI costs a status read and a listener: one listen may name at most this many. */
export const MAX_LISTEN_URIS = 100

/**
 * The resource URIs a 2026 `subscriptions/listen` request asks to follow, or undefined
 * when the body is not such a request. A malformed filter gives [] (nothing to check
 * here): the SDK answers it with -32602.
 */
export function listenUris(body: unknown): string[] | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  const message = body as { method?: unknown; id?: unknown; params?: { notifications?: unknown } }
  if (message.method !== 'subscriptions/listen' || message.id === undefined) return undefined
  const wanted = (message.params?.notifications as { resourceSubscriptions?: unknown } | undefined)
    ?.resourceSubscriptions
  return Array.isArray(wanted) ? wanted.filter((u): u is string => typeof u === 'string') : []
}

/**
 * The task and workflow followers behind 2026 listen streams. Every stream checks its
 * own URIs with its caller's identity (the read `resources/subscribe` does); a URI
 * followed by several streams has one follower, counted, so each change is published
 * once on the bus and reaches every stream that named the URI.
 */
export class ListenFollows {
  readonly #subscriptions: ResourceSubscriptions
  readonly #counts = new Map<string, number>()

  constructor(notify: (uri: string) => void, sources: SubscriptionSources, run: RunTool) {
    this.#subscriptions = new ResourceSubscriptions(notify, sources, run)
  }

  /** Checks and follows `uris`; resolves to the release for when the stream ends. */
  async follow(uris: readonly string[], extra: Extra): Promise<() => void> {
    const unique = [...new Set(uris)]
    if (unique.length > MAX_LISTEN_URIS) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `subscriptions/listen names ${unique.length} resources; at most ${MAX_LISTEN_URIS} per stream`,
        { code: 'INVALID_PARAMS' },
      )
    }
    const taken: string[] = []
    try {
      for (const uri of unique) {
        await this.#subscriptions.subscribe(uri, extra)
        this.#counts.set(uri, (this.#counts.get(uri) ?? 0) + 1)
        taken.push(uri)
      }
    } catch (err) {
      this.#release(taken)
      throw err
    }
    let released = false
    return () => {
      if (released) return
      released = true
      this.#release(taken)
    }
  }

  /** How many URIs are followed now. */
  get size(): number {
    return this.#counts.size
  }

  close(): void {
    this.#subscriptions.close()
    this.#counts.clear()
  }

  #release(uris: readonly string[]): void {
    for (const uri of uris) {
      const left = (this.#counts.get(uri) ?? 1) - 1
      if (left > 0) {
        this.#counts.set(uri, left)
        continue
      }
      this.#counts.delete(uri)
      this.#subscriptions.unsubscribe(uri)
    }
  }
}
