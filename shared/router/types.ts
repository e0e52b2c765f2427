import type { Placement, Runtime } from '../tool/types.ts'

/** A configurable rule: tools whose name matches `match` (glob, `*` only) get these settings. */
export interface RouteRule {
  match: string
  runtime?: Placement | undefined
  requiresP2P?: boolean | undefined
}

export type FallbackPolicy = 'local' | 'none'

export interface RouterPolicy {
  rules: readonly RouteRule[]
  /** Where a call goes when its preferred runtime is unavailable or refuses it. */
  fallback: FallbackPolicy
}

export interface RuntimeStatus {
  available: boolean
  /** Why the runtime is unavailable, shown in errors. */
  reason?: string
}

/** What is available right now, as seen by the executor when a call arrives. */
export interface AvailabilitySnapshot {
  local: RuntimeStatus
  /** The P2P subsystem (libp2p node, task queue) and the task kinds its workers can run. */
  p2p: RuntimeStatus & { taskKinds: ReadonlySet<string> }
  edge: RuntimeStatus
  relay: RuntimeStatus
}

/** The part of a tool the router looks at. */
export interface RoutableTool {
  name: string
  runtime: Placement
  requiresP2P: boolean
  runtimes: ReadonlySet<Runtime>
  taskKind: string | undefined
}

export type RouteDecision =
  | { ok: true; runtime: Runtime; fallbacks: Runtime[]; reason: string }
  | { ok: false; code: 'RUNTIME_UNAVAILABLE'; message: string }
