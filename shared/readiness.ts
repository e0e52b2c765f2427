/**
 * Readiness (issue 15): whether a relay should be sent traffic, as a load balancer or
 * a Kubernetes readiness probe asks `/readyz`. Liveness (`/healthz`) is a different
 * question: a relay that is starting or draining is alive but not ready.
 */

/** Where a lifecycle is: not started, starting its parts, running, stopping them, stopped. */
export type LifecyclePhase = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped'

/** Where one part is; `running` only between the end of its `start()` and the beginning of its `stop()`. */
export type PartState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped'

export interface ReadinessInput {
  phase: LifecyclePhase
  /** Every part of the relay, in start order. */
  parts: ReadonlyArray<{ name: string; state: PartState }>
  /**
   * The libp2p node: `disabled` (--disable-p2p, so there is nothing to wait for), or how
   * many addresses it listens on while its part runs (none: it accepts no worker).
   */
  p2p: 'disabled' | { listening: number }
  /** Free space on the data filesystem against the operator's floor (issue 16); no check when absent. */
  disk?: DiskSpace
}

export interface DiskSpace {
  /** Bytes an unprivileged writer may still use; undefined while not measured (or not measurable). */
  freeBytes: number | undefined
  /** `storage.minFreeBytes`: below it the relay is not ready; 0 disables the check. */
  minFreeBytes: number
  /** Why the free space is not known, when it is not. */
  unknownReason?: string
}

export type CheckResult = { status: 'ok' } | { status: 'disabled' | 'failing'; detail: string }

export interface Readiness {
  ready: boolean
  /** One entry per check: `lifecycle`, then each part by name, then `libp2p-listening`, then `data-disk-free`. */
  checks: Record<string, CheckResult>
  /** The names of the failing checks (empty when ready). */
  failing: string[]
}

const PHASE_DETAIL: Record<Exclude<LifecyclePhase, 'running'>, string> = {
  idle: 'not started',
  starting: 'starting',
  stopping: 'stopping: a graceful stop has begun',
  stopped: 'stopped',
}

/** Ready only when the lifecycle runs, every part (the stores among them) runs and libp2p listens. */
export function readiness(input: ReadinessInput): Readiness {
  const checks: Record<string, CheckResult> = {}
  checks.lifecycle =
    input.phase === 'running' ? { status: 'ok' } : { status: 'failing', detail: PHASE_DETAIL[input.phase] }
  for (const part of input.parts) {
    checks[part.name] =
      part.state === 'running' ? { status: 'ok' } : { status: 'failing', detail: part.state }
  }
  if (input.p2p === 'disabled') {
    checks['libp2p-listening'] = {
      status: 'disabled',
      detail: 'P2P is disabled on this relay (--disable-p2p)',
    }
  } else if (input.p2p.listening > 0) {
    checks['libp2p-listening'] = { status: 'ok' }
  } else {
    checks['libp2p-listening'] = { status: 'failing', detail: 'the libp2p node listens on no address' }
  }
  if (input.disk !== undefined) checks['data-disk-free'] = diskCheck(input.disk)
  const failing = Object.entries(checks)
    .filter(([, check]) => check.status === 'failing')
    .map(([name]) => name)
  return { ready: failing.length === 0, checks, failing }
}

/**
 * The free-space floor: a relay whose data filesystem is nearly full would fail every
 * write it is sent, so a load balancer should send traffic elsewhere until space returns.
 */
export function diskCheck(disk: DiskSpace): CheckResult {
  if (disk.minFreeBytes <= 0) {
    return { status: 'disabled', detail: 'no free-space floor is set (storage.minFreeBytes is 0)' }
  }
  if (disk.freeBytes === undefined) {
    return {
      status: 'failing',
      detail: `free space on the data filesystem is not known${disk.unknownReason ? `: ${disk.unknownReason}` : ''}`,
    }
  }
  if (disk.freeBytes < disk.minFreeBytes) {
    return {
      status: 'failing',
      detail: `the data filesystem has ${disk.freeBytes} bytes free, below the floor of ${disk.minFreeBytes} (storage.minFreeBytes)`,
    }
  }
  return { status: 'ok' }
}
