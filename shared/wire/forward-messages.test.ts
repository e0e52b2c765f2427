import { describe, expect, it } from 'vitest'
import { forwardReply, forwardRequest, MAX_RENEWED_TASKS } from './forward-messages.ts'

const offer = (overrides: Record<string, unknown> = {}, task: Record<string, unknown> = {}) => ({
  type: 'offer',
  taskId: 'b-task-1',
  fence: 7,
  leaseMs: 30_000,
  task: {
    kind: 'sha256',
    input: { text: 'abc' },
    priority: 0,
    timeoutMs: 60_000,
    requires: [],
    trust: { level: 'quorum', k: 2 },
    ...task,
  },
  ...overrides,
})

/** CIDv1 raw sha2-256 of "abc", and an identity-hash CID (which no receiver can verify). */
const CID_OF_ABC = 'bafkreif2pall7dybz7vecqka3zo24irdwabwdi4wc55jznaq75q7eaavvu'
const IDENTITY_CID = 'bafkqaa3bmjrq'

const issuesOf = (value: unknown) =>
  forwardRequest.safeParse(value).error?.issues.map((i) => i.path.join('.') || i.message) ?? []

describe('forward requests', () => {
  it('accepts an offer with its trust requirement', () => {
    const parsed = forwardRequest.safeParse(offer())
    expect(parsed.success).toBe(true)
    expect(parsed.data).toMatchObject({ type: 'offer', task: { trust: { level: 'quorum', k: 2 } } })
  })

  it('refuses an offer with unknown fields, an unbounded lease or an impossible trust level', () => {
    expect(forwardRequest.safeParse(offer({ extra: 1 })).success).toBe(false)
    expect(forwardRequest.safeParse(offer({}, { submitter: 'alice' })).success).toBe(false)
    expect(forwardRequest.safeParse(offer({ leaseMs: 10 })).success).toBe(false)
    expect(forwardRequest.safeParse(offer({ leaseMs: 86_400_000 })).success).toBe(false)
    expect(forwardRequest.safeParse(offer({ fence: -1 })).success).toBe(false)
    expect(forwardRequest.safeParse(offer({ fence: 1.5 })).success).toBe(false)
    expect(forwardRequest.safeParse(offer({}, { trust: { level: 'quorum', k: 99 } })).success).toBe(false)
    expect(forwardRequest.safeParse(offer({}, { trust: { level: 'spot-check', rate: 0 } })).success).toBe(
      false,
    )
    expect(forwardRequest.safeParse(offer({}, { kind: 'x'.repeat(65) })).success).toBe(false)
    expect(forwardRequest.safeParse(offer({ taskId: '' })).success).toBe(false)
  })

  it('accepts an input or an output as a block named by a sha2-256 CID, never both inline and as a block', () => {
    const { input: _input, ...task } = offer().task
    expect(forwardRequest.safeParse(offer({ task: { ...task, inputCid: CID_OF_ABC } })).success).toBe(true)
    expect(forwardRequest.safeParse(offer({}, { inputCid: CID_OF_ABC })).success).toBe(false)
    for (const bad of ['not-a-cid', IDENTITY_CID, 'b'.repeat(300)]) {
      expect(forwardRequest.safeParse(offer({ task: { ...task, inputCid: bad } })).success, bad).toBe(false)
    }
    const result = { type: 'result', taskId: 't', fence: 3, ok: true, verification: null }
    expect(forwardRequest.safeParse({ ...result, outputCid: CID_OF_ABC }).success).toBe(true)
    expect(forwardRequest.safeParse({ ...result, output: 1, outputCid: CID_OF_ABC }).success).toBe(false)
    expect(forwardRequest.safeParse({ ...result, outputCid: 'nope' }).success).toBe(false)
  })

  it('maps an undeclared error code in a result to WORKER_ERROR', () => {
    const parsed = forwardRequest.safeParse({
      type: 'result',
      taskId: 't',
      fence: 3,
      ok: false,
      error: { code: 'I_MADE_THIS_UP', message: 'boom' },
      retryable: true,
      verification: null,
    })
    expect(parsed.data).toMatchObject({ error: { code: 'WORKER_ERROR', message: 'I_MADE_THIS_UP: boom' } })
  })

  it('refuses a result without its fence or with a forged verification', () => {
    const result = { type: 'result', taskId: 't', fence: 3, ok: true, output: 1, verification: null }
    expect(forwardRequest.safeParse(result).success).toBe(true)
    const { fence: _fence, ...unfenced } = result
    expect(issuesOf(unfenced).length).toBeGreaterThan(0)
    const forged = { trust: 'quorum', verified: true, workers: Array.from({ length: 50 }, (_, i) => `p${i}`) }
    expect(forwardRequest.safeParse({ ...result, verification: forged }).success).toBe(false)
  })

  it('bounds a renew', () => {
    const tasks = Array.from({ length: MAX_RENEWED_TASKS + 1 }, (_, i) => ({ taskId: `t${i}`, fence: i }))
    expect(forwardRequest.safeParse({ type: 'renew', tasks }).success).toBe(false)
    expect(forwardRequest.safeParse({ type: 'renew', tasks: [] }).success).toBe(false)
    expect(forwardRequest.safeParse({ type: 'renew', tasks: tasks.slice(1) }).success).toBe(true)
  })

  it('refuses a message type that does not exist', () => {
    expect(forwardRequest.safeParse({ type: 'assign', taskId: 't', fence: 1 }).success).toBe(false)
  })
})

describe('forward replies', () => {
  it('names a refusal from the declared reasons only', () => {
    expect(forwardReply.safeParse({ type: 'refused', reason: 'stale' }).success).toBe(true)
    expect(forwardReply.safeParse({ type: 'refused', reason: 'because' }).success).toBe(false)
    expect(forwardReply.safeParse({ type: 'renewed', stale: ['t1'] }).success).toBe(true)
  })
})
