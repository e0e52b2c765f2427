import { z } from '../../zod-mini.ts'
import { base64ToBytes, bytesToBase64 } from './base64.ts'
import { defineKind, PermanentTaskError } from './types.ts'

const PAGE = 65536
export const DEFAULT_WASM_MEMORY_PAGES = 256
export const MAX_WASM_MEMORY_PAGES = 4096

const base64 = z.string().check(z.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64'))

/**
 * Runs an exported function of a WebAssembly module. The module may import nothing
 * but one memory, which the worker provides with `maxMemoryPages` as its maximum (the
 * engine enforces it); a module's own memory is checked against the same limit. Time
 * is limited by the compute context, which is terminated when the task times out.
 *
 * Calling convention: with `args`, `fn(...args)` and its numeric result is returned.
 * With `input` (bytes), the module must export `alloc(len) -> ptr`; the input is
 * copied there and `fn(ptr, len)` is called. An i64 result is read as
 * `(outPtr << 32) | outLen` and those bytes are returned as base64; an i32 result is
 * returned as a number.
 */
export const wasmKind = defineKind({
  kind: 'wasm',
  description: 'Call an exported function of a WebAssembly module (no imports but memory)',
  input: z.strictObject({
    /** The module bytes, base64. */
    module: base64,
    export: z.string().check(z.minLength(1), z.maxLength(128)),
    args: z.optional(z.array(z.number()).check(z.maxLength(16))),
    input: z.optional(base64),
    maxMemoryPages: z._default(
      z.int().check(z.minimum(1), z.maximum(MAX_WASM_MEMORY_PAGES)),
      DEFAULT_WASM_MEMORY_PAGES,
    ),
  }),
  run: async (spec) => {
    const module = await compile(base64ToBytes(spec.module))
    const imports = memoryImports(module, spec.maxMemoryPages)
    const instance = await WebAssembly.instantiate(module, imports.object)
    const memory = imports.memory ?? exportedMemory(instance)
    checkMemory(memory, spec.maxMemoryPages)
    const fn = instance.exports[spec.export]
    if (typeof fn !== 'function') {
      throw new PermanentTaskError('INVALID_INPUT', `export: the module has no function "${spec.export}"`)
    }
    const call = fn as (...args: Array<number | bigint>) => unknown
    let result: unknown
    if (spec.input === undefined) {
      result = call(...(spec.args ?? []))
    } else {
      const bytes = base64ToBytes(spec.input)
      const ptr = allocate(instance, memory, bytes.length)
      new Uint8Array(requireMemory(memory).buffer, ptr, bytes.length).set(bytes)
      result = call(ptr, bytes.length)
    }
    checkMemory(memory, spec.maxMemoryPages)
    return output(result, memory)
  },
})

async function compile(bytes: Uint8Array): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>)
  } catch (err) {
    throw new PermanentTaskError(
      'INVALID_INPUT',
      `module: not a valid WebAssembly module: ${(err as Error).message}`,
    )
  }
}

function memoryImports(module: WebAssembly.Module, maxPages: number) {
  const wanted = WebAssembly.Module.imports(module)
  const other = wanted.filter((i) => i.kind !== 'memory')
  if (other.length > 0 || wanted.length > 1) {
    const names = wanted.map((i) => `${i.module}.${i.name} (${i.kind})`).join(', ')
    throw new PermanentTaskError(
      'INVALID_INPUT',
      `module: imports are not allowed except one memory: ${names}`,
    )
  }
  const first = wanted[0]
  if (first === undefined) return { object: {}, memory: undefined }
  const memory = new WebAssembly.Memory({ initial: 1, maximum: maxPages })
  return { object: { [first.module]: { [first.name]: memory } }, memory }
}

function exportedMemory(instance: WebAssembly.Instance): WebAssembly.Memory | undefined {
  const memory = Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory)
  return memory as WebAssembly.Memory | undefined
}

function requireMemory(memory: WebAssembly.Memory | undefined): WebAssembly.Memory {
  if (memory === undefined)
    throw new PermanentTaskError('INVALID_INPUT', 'module: it has no memory for input bytes')
  return memory
}

function checkMemory(memory: WebAssembly.Memory | undefined, maxPages: number): void {
  if (memory !== undefined && memory.buffer.byteLength > maxPages * PAGE) {
    throw new PermanentTaskError(
      'MEMORY_LIMIT',
      `the module's memory (${memory.buffer.byteLength / PAGE} pages) exceeds maxMemoryPages ${maxPages}`,
    )
  }
}

function allocate(
  instance: WebAssembly.Instance,
  memory: WebAssembly.Memory | undefined,
  length: number,
): number {
  const alloc = instance.exports.alloc
  if (typeof alloc !== 'function') {
    throw new PermanentTaskError('INVALID_INPUT', 'module: byte input needs an exported alloc(len) function')
  }
  const ptr = Number((alloc as (n: number) => number)(length))
  if (ptr < 0 || ptr + length > requireMemory(memory).buffer.byteLength) {
    throw new PermanentTaskError('INVALID_INPUT', 'module: alloc returned a pointer outside memory')
  }
  return ptr
}

function output(result: unknown, memory: WebAssembly.Memory | undefined): unknown {
  if (typeof result === 'bigint') {
    const ptr = Number(BigInt.asUintN(64, result) >> 32n)
    const len = Number(BigInt.asUintN(32, result))
    const mem = requireMemory(memory)
    if (ptr + len > mem.buffer.byteLength) {
      throw new PermanentTaskError('TASK_FAILED', 'the function returned an output range outside memory')
    }
    return { output: bytesToBase64(new Uint8Array(mem.buffer, ptr, len).slice()) }
  }
  if (typeof result === 'number') return { result }
  return { result: null }
}
