import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server'
import { z } from 'zod'
import { defineTool } from '../../shared/tool/define-tool.ts'
import type { ToolCategory } from '../../shared/tool/types.ts'
import type { ToolDeps } from './tool-deps.ts'

export const SYSTEM_CATEGORY = {
  name: 'system',
  description: 'Relay health, version, and runtime router statistics',
}

export type SystemToolDeps = Pick<
  ToolDeps,
  'version' | 'startedAt' | 'now' | 'activeSessions' | 'executor' | 'metrics'
>

const READ_ONLY = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const
const runtimeStatus = z.object({ runtime: z.string(), available: z.boolean(), reason: z.string().optional() })

export function systemTools(deps: SystemToolDeps): ToolCategory {
  const runtimes = () =>
    Object.entries(deps.executor.snapshot()).map(([runtime, s]) => ({
      runtime,
      available: s.available,
      ...(s.reason === undefined ? {} : { reason: s.reason }),
    }))

  const health = defineTool({
    name: 'system_health',
    category: 'system',
    description:
      'Relay health: status, uptime, open MCP sessions, memory use and which runtimes are available',
    input: z.object({}),
    output: z.object({
      status: z.literal('ok'),
      uptimeSeconds: z.number(),
      sessions: z.number().int(),
      memory: z.object({ rssBytes: z.number().int(), heapUsedBytes: z.number().int() }),
      runtimes: z.array(runtimeStatus),
    }),
    annotations: { title: 'Relay health', ...READ_ONLY, idempotentHint: false },
    handlers: {
      local: async () => {
        const mem = process.memoryUsage()
        return {
          status: 'ok' as const,
          uptimeSeconds: (deps.now() - deps.startedAt) / 1000,
          sessions: deps.activeSessions(),
          memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
          runtimes: runtimes(),
        }
      },
    },
  })

  const version = defineTool({
    name: 'system_version',
    category: 'system',
    description: 'Relay version, Node.js version and the MCP protocol revisions it speaks',
    input: z.object({}),
    output: z.object({
      name: z.string(),
      version: z.string(),
      node: z.string(),
      protocolVersion: z.string(),
      supportedProtocolVersions: z.array(z.string()),
    }),
    annotations: { title: 'Relay version', ...READ_ONLY },
    handlers: {
      local: async () => ({
        name: 'mcpp',
        version: deps.version,
        node: process.version,
        protocolVersion: LATEST_PROTOCOL_VERSION,
        supportedProtocolVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
      }),
    },
  })

  const routerStats = defineTool({
    name: 'system_router_stats',
    category: 'system',
    description:
      'Runtime router statistics: decisions counted by tool, runtime and outcome; runtime availability; rules',
    input: z.object({ tool: z.string().max(256).optional().describe('Only this tool') }),
    output: z.object({
      decisions: z.array(
        z.object({ tool: z.string(), runtime: z.string(), outcome: z.string(), count: z.number() }),
      ),
      runtimes: z.array(runtimeStatus),
      fallback: z.enum(['local', 'none']),
      rules: z.array(
        z.object({ match: z.string(), runtime: z.string().optional(), requiresP2P: z.boolean().optional() }),
      ),
    }),
    annotations: { title: 'Router statistics', ...READ_ONLY, idempotentHint: false },
    handlers: {
      local: async ({ tool }) => {
        const { values } = await deps.metrics.routerDecisions.get()
        const decisions = values
          .map((v) => ({
            tool: String(v.labels.tool),
            runtime: String(v.labels.runtime),
            outcome: String(v.labels.outcome),
            count: v.value,
          }))
          .filter((d) => tool === undefined || d.tool === tool)
        const { policy } = deps.executor
        return {
          decisions,
          runtimes: runtimes(),
          fallback: policy.fallback,
          rules: policy.rules.map(({ match, runtime, requiresP2P }) => ({
            match,
            ...(runtime === undefined ? {} : { runtime }),
            ...(requiresP2P === undefined ? {} : { requiresP2P }),
          })),
        }
      },
    },
  })

  const wait = defineTool({
    name: 'system_wait',
    category: 'system',
    description:
      'Wait for a duration while sending progress notifications; a diagnostic for client timeouts, progress and cancellation',
    input: z.object({
      ms: z.number().int().min(0).max(600_000).describe('How long to wait, in milliseconds'),
      steps: z.number().int().min(1).max(1000).default(10).describe('Progress notifications to send'),
    }),
    output: z.object({ waitedMs: z.number() }),
    annotations: { title: 'Wait', ...READ_ONLY },
    handlers: {
      local: async ({ ms, steps }, ctx) => {
        const started = deps.now()
        for (let step = 0; step < steps; step++) {
          ctx.progress(step, steps, `step ${step} of ${steps}`)
          await abortableDelay(ms / steps, ctx.signal)
        }
        ctx.progress(steps, steps, 'done')
        return { waitedMs: deps.now() - started }
      },
    },
  })

  const echo = defineTool({
    name: 'system_echo',
    category: 'system',
    description: 'Echo a message back unchanged; a round-trip check for clients, the router and benchmarks',
    input: z.object({ message: z.string().max(65_536).describe('Text to send back') }),
    output: z.object({ message: z.string() }),
    annotations: { title: 'Echo', ...READ_ONLY },
    handlers: { local: async ({ message }) => ({ message }) },
  })

  return { info: SYSTEM_CATEGORY, tools: [health, version, routerStats, wait, echo] }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted()
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
