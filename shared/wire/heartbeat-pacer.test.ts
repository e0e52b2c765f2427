import { describe, expect, it } from 'vitest'
import { HeartbeatPacer, IDLE_HEARTBEAT_EVERY } from './heartbeat-pacer.ts'

describe('HeartbeatPacer', () => {
  it('beats on every tick while the worker holds tasks', () => {
    const pacer = new HeartbeatPacer()
    expect([1, 2, 1, 3].map((n) => pacer.due(n))).toEqual([true, true, true, true])
  })

  it('beats once every IDLE_HEARTBEAT_EVERY ticks while idle', () => {
    const pacer = new HeartbeatPacer()
    const ticks = Array.from({ length: IDLE_HEARTBEAT_EVERY * 2 }, () => pacer.due(0))
    expect(ticks.filter(Boolean)).toHaveLength(2)
    expect(ticks[IDLE_HEARTBEAT_EVERY - 1]).toBe(true)
    expect(ticks[0]).toBe(false)
  })

  it('beats at once when a task arrives during an idle stretch, and starts counting again after', () => {
    const pacer = new HeartbeatPacer()
    pacer.due(0)
    pacer.due(0)
    expect(pacer.due(1)).toBe(true)
    expect(pacer.due(0)).toBe(false)
  })
})
