import { type ComponentOptions, createComponents, type RelayComponents } from './components.ts'
import type { RelayConfig } from './config/schema.ts'

export interface RunningRelay {
  components: RelayComponents
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  url: string
  port: number
  /** Stops the relay gracefully: `components.stop()`, every part in reverse order. */
  close(): Promise<void>
}

/**
 * Builds the components and starts them (lifecycle.ts): the data-dir lock, the stores,
 * the compute threads, the libp2p node, the HTTP server and the MCP sessions. A part
 * that fails to start stops the ones before it, and the error is thrown.
 */
export async function startRelay(
  config: RelayConfig,
  options: ComponentOptions = {},
  /** Called once the parts are built, before any starts (the CLI hooks its signals here). */
  onBuilt?: (components: RelayComponents) => void,
): Promise<RunningRelay> {
  const components = createComponents(config, options)
  onBuilt?.(components)
  await components.start()
  const { url, port } = components.http
  components.log.info('relay listening', { url, mcp: `${url}/mcp`, dataDir: config.dataDir })
  return { components, url, port, close: () => components.stop() }
}
