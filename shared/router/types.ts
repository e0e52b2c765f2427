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

/** Slots of the workers that run one task kind. */
export interface KindLoad {
  slots: number
  freeSlots: number
}

/** What a member relay last announced it can take (issue 11: route across relays). */
export interface MemberCapacity {
  peerId: string
  freeSlots: number
  kinds: ReadonlySet<string>
}

/** What is available right now, as seen by the executor when a call arrives. */
export interface AvailabilitySnapshot {
  local: RuntimeStatus
  /**
   * The P2P subsystem (libp2p node, task queue), the task kinds its workers can run and,
   * when known, their slots by kind (a saturated kind may be forwarded to a member relay).
   */
  p2p: RuntimeStatus & { taskKinds: ReadonlySet<string>; load?: ReadonlyMap<string, KindLoad> }
  edge: RuntimeStatus
  /** Member relays that announced capacity; the `relay` runtime forwards tasks to them. */
  relay: RuntimeStatus & { members?: readonly MemberCapacity[] }
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
