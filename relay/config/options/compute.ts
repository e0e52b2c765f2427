import type { OptionSpec } from '../option-spec.ts'

/** Where tool work runs: the relay's compute threads (`compute.*`) and the router's fallback (`router.*`). */
export const COMPUTE_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'compute.threads',
    flag: 'compute-threads',
    env: 'MCPP_COMPUTE_THREADS',
    kind: 'int',
    help: 'Worker threads for CPU-heavy tool work (default: cores - 1, 1 to 4)',
  },
  {
    key: 'compute.timeoutSeconds',
    flag: 'compute-timeout-seconds',
    env: 'MCPP_COMPUTE_TIMEOUT_SECONDS',
    kind: 'number',
    help: 'Time limit of one compute task, waiting for a thread included; a call over it fails with TIMEOUT (default 60)',
  },
  {
    key: 'compute.memoryMb',
    flag: 'compute-memory-mb',
    env: 'MCPP_COMPUTE_MEMORY_MB',
    kind: 'int',
    help: 'Heap limit of each compute thread in MB (default 512)',
  },
  {
    key: 'router.fallback',
    flag: 'router-fallback',
    env: 'MCPP_ROUTER_FALLBACK',
    kind: 'string',
    help: 'local: run locally when the preferred runtime is unavailable; none: fail (default local)',
  },
]
