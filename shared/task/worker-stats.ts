/** A worker as the relay's registry reports it (p2p_taskqueue_worker_stats). */
export interface WorkerStats {
  workerId: string
  peerId: string
  name: string
  kinds: string[]
  capabilities: string[]
  concurrency: number
  slots: number
  meanTaskMs: number | null
  connected: boolean
  draining: boolean
  inFlight: number
  done: number
  failed: number
  meanMs: number | null
  connectedAt: number
  lastSeen: number
  userAgent?: string
}
