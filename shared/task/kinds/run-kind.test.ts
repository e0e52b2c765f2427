import { describe, expect, it } from 'vitest'
import { wasmModuleBase64 } from '../../../tests/fixtures/wasm-modules.ts'
import { hashingEmbedding } from '../../text/hashing-embedding.ts'
import { runKind } from './run-kind.ts'

const ctx = () => {
  const reports: Array<[number, number | undefined]> = []
  return {
    reports,
    signal: new AbortController().signal,
    progress: (p: number, t?: number) => reports.push([p, t]),
  }
}

describe('runKind', () => {
  it('echoes any JSON input', async () => {
    expect(await runKind('echo', { a: [1, 'b'] }, ctx())).toEqual({ ok: true, output: { a: [1, 'b'] } })
  })

  it('hashes text and base64 bytes with SHA-256', async () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    expect(await runKind('sha256', { text: 'abc' }, ctx())).toEqual({
      ok: true,
      output: { sha256: abc, bytes: 3 },
    })
    expect(await runKind('sha256', { base64: 'YWJj' }, ctx())).toEqual({
      ok: true,
      output: { sha256: abc, bytes: 3 },
    })
  })

  it('embeds exactly like the text tools and reports progress on long inputs', async () => {
    const c = ctx()
    const texts = Array.from({ length: 130 }, (_, i) => `text number ${i}`)
    const outcome = await runKind('embed', { texts, dimensions: 16 }, c)
    expect(outcome.ok).toBe(true)
    const output = (outcome as { output: { embeddings: number[][]; model: string } }).output
    expect(output.model).toBe('hashing-v1')
    expect(output.embeddings[5]).toEqual(Array.from(hashingEmbedding('text number 5', 16)))
    expect(c.reports).toEqual([
      [64, 130],
      [128, 130],
    ])
  })

  it('rejects an unknown kind and invalid input without retry', async () => {
    expect(await runKind('nope', {}, ctx())).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_KIND' },
      retryable: false,
    })
    const bad = await runKind('sha256', { text: 1 }, ctx())
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' }, retryable: false })
    // Names on Object.prototype are no kinds either.
    expect(await runKind('toString', {}, ctx())).toMatchObject({ ok: false, error: { code: 'UNKNOWN_KIND' } })
  })

  it('says what is wrong with invalid input, field by field (zod/mini speaks English here too)', async () => {
    const bad = await runKind('embed', { texts: [], dimensions: 2.5 }, ctx())
    expect(bad).toEqual({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^texts: Too small: .*; dimensions: Invalid input: expected int/),
      },
      retryable: false,
    })
  })
})

describe('the wasm kind', () => {
  it('calls a numeric export with args', async () => {
    const module = await wasmModuleBase64('add')
    expect(await runKind('wasm', { module, export: 'add', args: [40, 2] }, ctx())).toEqual({
      ok: true,
      output: { result: 42 },
    })
  })

  it('passes input bytes through alloc and returns the output range', async () => {
    const module = await wasmModuleBase64('upper')
    const input = Buffer.from('hello, wasm!').toString('base64')
    const outcome = await runKind('wasm', { module, export: 'upper', input }, ctx())
    const { output } = (outcome as { output: { output: string } }).output
    expect(Buffer.from(output, 'base64').toString()).toBe('HELLO, WASM!')
  })

  it('provides an imported memory but refuses any other import', async () => {
    const memory = await wasmModuleBase64('importsMemory')
    expect(await runKind('wasm', { module: memory, export: 'poke', args: [7] }, ctx())).toEqual({
      ok: true,
      output: { result: 7 },
    })
    const fn = await wasmModuleBase64('importsFunction')
    const refused = await runKind('wasm', { module: fn, export: 'run' }, ctx())
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' }, retryable: false })
    expect((refused as { error: { message: string } }).error.message).toContain('env.log')
  })

  it('fails a module whose memory grows past the limit', async () => {
    const module = await wasmModuleBase64('grows')
    const outcome = await runKind('wasm', { module, export: 'grow', args: [8], maxMemoryPages: 4 }, ctx())
    expect(outcome).toMatchObject({ ok: false, error: { code: 'MEMORY_LIMIT' }, retryable: false })
  })

  it('reports a trap, a missing export and garbage bytes as permanent failures', async () => {
    const traps = await wasmModuleBase64('traps')
    expect(await runKind('wasm', { module: traps, export: 'boom' }, ctx())).toMatchObject({
      ok: false,
      error: { code: 'WASM_TRAP' },
      retryable: false,
    })
    expect(await runKind('wasm', { module: traps, export: 'nope' }, ctx())).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    })
    const garbage = Buffer.from('not wasm at all').toString('base64')
    expect(await runKind('wasm', { module: garbage, export: 'x' }, ctx())).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    })
  })
})
