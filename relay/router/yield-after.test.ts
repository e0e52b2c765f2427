import { describe, expect, it } from 'vitest'
import { SLICE_MS, yieldAfter } from './yield-after.ts'

describe('yieldAfter', () => {
  it('gives the event loop a turn only after a step longer than SLICE_MS', async () => {
    expect(yieldAfter(performance.now())).toBeUndefined()
    const order: string[] = []
    setImmediate(() => order.push('other work'))
    const turn = yieldAfter(performance.now() - SLICE_MS - 1)
    expect(turn).toBeInstanceOf(Promise)
    await turn
    order.push('the call goes on')
    expect(order).toEqual(['other work', 'the call goes on'])
  })
})
