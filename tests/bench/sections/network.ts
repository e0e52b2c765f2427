import type { BenchSection } from '../context.ts'
import { convergence } from './network-convergence.ts'
import { workersPerRelay } from './network-workers.ts'

/**
 * A network of relays (issue 11, "Performance"): 1,000 workers on one relay (RSS, idle
 * CPU, assignment latency next to one worker), and how fast ten relays agree on
 * capacity after a worker joins. Cross-relay submit→result is not measured yet: it
 * needs task forwarding in the router.
 */
export const networkBench: BenchSection = {
  name: 'network',
  async run(ctx) {
    return [...(await workersPerRelay(ctx)), ...(await convergence(ctx))]
  },
}
