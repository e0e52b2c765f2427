import type { Runtime } from '../../shared/tool/types.ts'
import type { RelayConfig } from '../config/schema.ts'
import type { ForwardingService } from '../forwarding/index.ts'
import type { P2pHolder } from '../p2p/p2p-holder.ts'
import type { TaskService } from '../task-queue/index.ts'
import { localRuntime } from './local-runtime.ts'
import { p2pRuntime } from './p2p-runtime.ts'
import { relayRuntime } from './relay-runtime.ts'
import type { RuntimeBackend } from './runtime-backend.ts'
import { unavailableRuntime } from './unavailable-runtime.ts'

export interface RelayBackendsInit {
  config: RelayConfig
  tasks: TaskService
  forwarding: ForwardingService
  p2p: P2pHolder
}

/** The runtimes a relay's router can run a tool on; the ones this relay lacks say why. */
export function relayBackends(init: RelayBackendsInit): Record<Runtime, RuntimeBackend> {
  const { config, tasks, forwarding, p2p } = init
  return {
    local: localRuntime(),
    p2p: config.disableP2p
      ? unavailableRuntime('p2p', 'P2P is disabled on this relay (--disable-p2p)')
      : p2pRuntime(tasks, () => p2p.running),
    edge: unavailableRuntime('edge', 'the edge runtime runs in the Cloudflare Worker, not on a relay'),
    relay: config.disableP2p
      ? unavailableRuntime('relay', 'P2P is disabled on this relay (--disable-p2p)')
      : relayRuntime({
          tasks,
          forwarding,
          relays: () => p2p.directory?.relays(),
          members: config.relays.members.length,
        }),
  }
}
