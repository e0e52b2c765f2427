import { z } from 'zod'
import { createMetaTools } from '../../shared/manager/meta-tools.ts'
import type { AccessPolicy } from '../../shared/security/access-policy.ts'
import { publishedToolSchema } from '../../shared/tool/publish.ts'
import { ToolRegistry } from '../../shared/tool/registry.ts'
import { remoteTool } from '../../shared/tool/remote-tool.ts'
import type { Tool } from '../../shared/tool/types.ts'
import { textCategory } from '../../shared/tools/text/index.ts'
import { canCallAtEdge, edgeExecutor } from './edge-executor.ts'
import type { RelayPool } from './relay-pool.ts'

/** How long a catalogue read from a relay is used before it is read again. */
export const CATALOGUE_TTL_MS = 60_000
/** After no relay gave one, how long requests go on without asking again (they are forwarded meanwhile). */
const FAILED_TTL_MS = 5_000
const MAX_CATALOGUE_BYTES = 8 * 1024 * 1024

const catalogueBody = z.object({
  categories: z
    .array(
      z.object({
        name: z.string().min(1).max(128),
        description: z.string().max(4096),
        tools: z.array(publishedToolSchema).max(4096),
      }),
    )
    .max(512),
  exposure: z.object({ listed: z.array(z.string().max(128)).max(4096) }),
})

export interface EdgeCatalogue {
  registry: ToolRegistry
  /** The tools `tools/list` shows on the relays (called by name, not through tools_dispatch). */
  exposed: ReadonlySet<string>
  /** Runs a tool that has edge code, as the relays' executor would (edge-executor.ts). */
  call: CallTool
}

type CallTool = ReturnType<typeof edgeExecutor>

/**
 * The relays' catalogue, as the edge holds it (issue 14): read from a relay's
 * `/api/tools`, with the tools that have edge code (the meta-tools and the text tools)
 * replaced by this Worker's own, so the catalogue meta-tools answer here exactly as a
 * relay would and the pure tools run here. Every other tool is known by its published
 * shape only; a call to it goes to a relay.
 */
export function buildCatalogue(body: unknown, policy: AccessPolicy): EdgeCatalogue {
  const parsed = catalogueBody.parse(body)
  const registry = new ToolRegistry()
  const call = edgeExecutor(policy)
  const own = new Map<string, Tool>()
  for (const tool of textCategory.tools) own.set(tool.name, tool)
  for (const tool of createMetaTools({ registry, call, canCall: canCallAtEdge(policy) }))
    own.set(tool.name, tool)
  for (const category of parsed.categories) {
    registry.addCategory({ name: category.name, description: category.description })
    registry.register(...category.tools.map((t) => own.get(t.name) ?? remoteTool(t)))
  }
  return { registry, exposed: new Set(parsed.exposure.listed), call }
}

/** The catalogue of this Worker instance, read again from a relay every CATALOGUE_TTL_MS. */
export class CatalogueCache {
  #current: { catalogue: EdgeCatalogue; at: number } | undefined
  #loading: Promise<EdgeCatalogue> | undefined
  #failed: { error: Error; at: number } | undefined
  readonly #pool: RelayPool
  readonly #policy: AccessPolicy

  constructor(pool: RelayPool, policy: AccessPolicy) {
    this.#pool = pool
    this.#policy = policy
  }

  /** The catalogue; a stale one is still answered from while a fresh one loads. */
  async get(): Promise<EdgeCatalogue> {
    const current = this.#current
    if (current !== undefined && Date.now() - current.at < CATALOGUE_TTL_MS) return current.catalogue
    const failed = this.#failed
    if (current === undefined && failed !== undefined && Date.now() - failed.at < FAILED_TTL_MS)
      throw failed.error
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined
    })
    const loading = this.#loading
    if (current !== undefined) {
      loading.catch(() => {})
      return current.catalogue
    }
    return loading
  }

  async #load(): Promise<EdgeCatalogue> {
    const problems: string[] = []
    for (const relay of await this.#pool.ranked()) {
      try {
        const res = await this.#pool.send(
          relay,
          '/api/tools',
          { method: 'GET', headers: new Headers({ accept: 'application/json' }) },
          { identity: undefined, client: 'edge' },
        )
        const text = await res.text()
        if (!res.ok) throw new Error(`answered ${res.status}`)
        if (text.length > MAX_CATALOGUE_BYTES) throw new Error('catalogue too large')
        const catalogue = buildCatalogue(JSON.parse(text), this.#policy)
        this.#current = { catalogue, at: Date.now() }
        this.#failed = undefined
        return catalogue
      } catch (err) {
        problems.push(`${new URL(relay.url).host}: ${(err as Error).message}`)
      }
    }
    const error = new Error(`no relay gave its tool catalogue (${problems.join('; ')})`)
    this.#failed = { error, at: Date.now() }
    throw error
  }
}
