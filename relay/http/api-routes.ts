import { Hono } from 'hono'
import { publishTool } from '../../shared/tool/publish.ts'
import type { RelayComponents } from '../relay-components.ts'
import { dashboardRoutes } from './dashboard-routes.ts'

/** The JSON API the dashboard reads: the tool catalogue and relay status; workers read /p2p. */
export function apiRoutes(c: RelayComponents): Hono {
  const api = new Hono()
  let catalogue: unknown
  api.get('/tools', (ctx) => {
    catalogue ??= {
      categories: c.registry.categories().map((category) => ({
        ...category,
        tools: c.registry.inCategory(category.name).map(publishTool),
      })),
      exposure: { mode: c.config.expose, listed: [...c.exposed.keys()] },
    }
    return ctx.json(catalogue)
  })
  // What a worker needs to reach the libp2p side, public even when /api/status is not:
  // workers (the contribute page included) resolve the relay here before any admission.
  api.get('/p2p', (ctx) =>
    ctx.json({ p2p: c.p2p.node ? { peerId: c.p2p.node.peerId, multiaddrs: c.p2p.node.multiaddrs() } : null }),
  )
  // What the edge Worker weighs relays by (issue 14): small, so it can ask often.
  api.get('/capacity', (ctx) => {
    const { workers, freeSlots, queued } = c.tasks.capacity()
    return ctx.json({
      sessions: c.sessions.size,
      calls: c.calls.size,
      workers,
      freeSlots,
      queued,
      stopping: !c.calls.accepting,
    })
  })
  api.get('/status', (ctx) => {
    const snapshot = c.executor.snapshot()
    return ctx.json({
      version: c.version,
      uptimeSeconds: (c.now() - c.startedAt) / 1000,
      mcp: { stateless: c.config.stateless, sessions: c.sessions.size },
      runtimes: Object.fromEntries(
        Object.entries(snapshot).map(([name, s]) => [
          name,
          { available: s.available, reason: s.reason ?? null },
        ]),
      ),
      tools: c.registry.all().length,
      p2p: c.p2p.node ? { peerId: c.p2p.node.peerId, multiaddrs: c.p2p.node.multiaddrs() } : null,
      workers: c.tasks.workers({ connectedOnly: true }),
      // Member relays only (issue 9): the directory never holds anyone else.
      relays: c.p2p.directory?.relays() ?? [],
      // How this relay finds the others, what was skipped, and each kept link (issue 11).
      network: c.p2p.network?.status() ?? null,
      queue: c.tasks.counts(),
    })
  })
  // The dashboard's push channel and call endpoint (issue 13).
  api.route('/', dashboardRoutes(c))
  return api
}
