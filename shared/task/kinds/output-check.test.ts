import { describe, expect, it } from 'vitest'
import { hashingEmbedding } from '../../text/hashing-embedding.ts'
import { checkKindOutput } from './output-check.ts'
import { runKind } from './run-kind.ts'

const ctx = { signal: new AbortController().signal, progress: () => {} }

async function honest(kind: string, input: unknown) {
  const outcome = await runKind(kind, input, ctx)
  if (!outcome.ok) throw new Error(outcome.error.message)
  return outcome.output
}

describe('worker output checks', () => {
  it('accepts what the honest kinds compute', async () => {
    const cases: Array<[string, unknown]> = [
      ['echo', { a: [1, 'x'] }],
      ['sha256', { text: 'héllo 🌍' }],
      ['sha256', { base64: 'aGVsbG8=' }],
      ['embed', { texts: ['a', 'b c'], dimensions: 16 }],
    ]
    for (const [kind, input] of cases)
      expect(checkKindOutput(kind, input, await honest(kind, input)), kind).toBeUndefined()
  })

  it('refuses outputs of the wrong shape for the input', () => {
    const digest = 'a'.repeat(64)
    expect(checkKindOutput('sha256', { text: 'abc' }, { sha256: digest, bytes: 4 })).toMatch(/bytes/)
    expect(checkKindOutput('sha256', { text: 'abc' }, { sha256: 'zz', bytes: 3 })).toMatch(/hex/)
    expect(checkKindOutput('sha256', { text: 'abc' }, { sha256: digest, bytes: 3, extra: 1 })).toBeDefined()
    expect(checkKindOutput('echo', { a: 1 }, { a: 2 })).toBeDefined()
    const one = Array.from(hashingEmbedding('a', 16))
    expect(
      checkKindOutput(
        'embed',
        { texts: ['a', 'b'], dimensions: 16 },
        { model: 'x', dimensions: 16, embeddings: [one, one] },
      ),
    ).toMatch(/model/)
    expect(checkKindOutput('wasm', { module: 'AA==', export: 'f' }, { result: 'seven' })).toBeDefined()
  })

  it('refuses deeply nested outputs of any kind, also kinds it does not know', () => {
    let deep: unknown = 1
    for (let i = 0; i < 40; i++) deep = [deep]
    expect(checkKindOutput('custom-kind', {}, deep)).toMatch(/deeper/)
    expect(checkKindOutput('custom-kind', {}, { fine: [1, 2] })).toBeUndefined()
  })
})
