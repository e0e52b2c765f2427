import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { type ComponentOptions, createComponents, type RelayComponents } from './components.ts'
import type { RelayConfig } from './config/schema.ts'
import { createHttpApp } from './http/app.ts'
import { startP2p } from './p2p/start-p2p.ts'

export interface RunningRelay {
  components: RelayComponents
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  url: string
  port: number
  close(): Promise<void>
}

/** Builds the components, serves HTTP, and sweeps idle MCP sessions until closed. */
export async function startRelay(config: RelayConfig, options: ComponentOptions = {}): Promise<RunningRelay> {
  const components = createComponents(config, options)
  const app = createHttpApp(components)
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info: AddressInfo) =>
        resolve({ server: s, port: info.port }),
      )
      s.once('error', reject)
    },
  )
  try {
    if (!config.disableP2p) await startP2p(components)
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    components.tasks.stop()
    await closeStores(components)
    throw err
  }
  const sweepEvery = Math.min(config.sessionIdleSeconds * 500, 60_000)
  const sweeper = setInterval(() => void components.sessions.sweep(), sweepEvery)
  sweeper.unref()
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`
  components.log.info('relay listening', { url, mcp: `${url}/mcp`, dataDir: config.dataDir })
  return {
    components,
    url,
    port,
    close: async () => {
      clearInterval(sweeper)
      await components.sessions.closeAll()
      await components.p2p.node?.stop()
      components.tasks.stop()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
      await closeStores(components)
    },
  }
}

/** The stores that hold files open, then the data directory lock. */
async function closeStores(components: RelayComponents): Promise<void> {
  components.cache.close()
  components.audit.close()
  await components.datasets.engine.close()
  await components.compute.close()
  components.unlockDataDir()
}
