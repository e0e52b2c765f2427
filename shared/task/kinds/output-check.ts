import { canonicalJson } from '../../canonical-json.ts'
import { valueDeeperThan } from '../../json-depth.ts'
import { HASHING_EMBEDDING_MODEL } from '../../text/hashing-embedding.ts'
import { embedKind } from './embed.ts'
import { sha256Kind } from './sha256.ts'
import { wasmKind } from './wasm.ts'

/**
 * What a worker may answer for each kind (issue 9: a worker's output is hostile input).
 * A check sees the task's input, so shapes that follow from it are enforced exactly
 * (an embedding per text, of the asked dimensions; a digest of the input's byte
 * count; echo returns its input). Kinds without a check of their own are held to the
 * generic bound on nesting. Returns the problem, or undefined when the output is fine.
 */
export const MAX_OUTPUT_DEPTH = 32

type Check = (input: unknown, output: unknown) => string | undefined

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const keysAre = (v: Record<string, unknown>, keys: string[]) => {
  const own = Object.keys(v)
  return own.length === keys.length && keys.every((k) => Object.hasOwn(v, k))
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const HEX64 = /^[0-9a-f]{64}$/

function utf8Length(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4
        i++
      } else n += 3
    } else n += 3
  }
  return n
}

const CHECKS: Record<string, Check> = {
  echo: (input, output) =>
    canonicalJson(output) === canonicalJson(input ?? null)
      ? undefined
      : 'echo must return its input unchanged',
  sha256: (rawInput, output) => {
    const input = sha256Kind.input.safeParse(rawInput)
    if (!input.success) return 'the task input is not a sha256 input'
    if (!isRecord(output) || !keysAre(output, ['sha256', 'bytes'])) return 'expected {sha256, bytes}'
    if (typeof output.sha256 !== 'string' || !HEX64.test(output.sha256))
      return 'sha256: expected 64 hex digits'
    const data = input.data
    const expected =
      'text' in data
        ? utf8Length(data.text)
        : Math.floor((data.base64.length * 3) / 4) - (data.base64.match(/=*$/)?.[0].length ?? 0)
    return output.bytes === expected ? undefined : `bytes: expected ${expected}`
  },
  embed: (rawInput, output) => {
    const input = embedKind.input.safeParse(rawInput)
    if (!input.success) return 'the task input is not an embed input'
    const { texts, dimensions } = input.data
    if (!isRecord(output) || !keysAre(output, ['model', 'dimensions', 'embeddings'])) {
      return 'expected {model, dimensions, embeddings}'
    }
    if (output.model !== HASHING_EMBEDDING_MODEL) return `model: expected ${HASHING_EMBEDDING_MODEL}`
    if (output.dimensions !== dimensions) return `dimensions: expected ${dimensions}`
    const rows = output.embeddings
    if (!Array.isArray(rows) || rows.length !== texts.length)
      return `embeddings: expected ${texts.length} vectors`
    for (let i = 0; i < rows.length; i++) {
      const row: unknown = rows[i]
      if (!Array.isArray(row) || row.length !== dimensions)
        return `embeddings.${i}: expected ${dimensions} numbers`
      for (const x of row)
        if (typeof x !== 'number' || !Number.isFinite(x)) return `embeddings.${i}: not a finite number`
    }
    return undefined
  },
  wasm: (rawInput, output) => {
    if (!wasmKind.input.safeParse(rawInput).success) return 'the task input is not a wasm input'
    if (!isRecord(output)) return 'expected {result} or {output}'
    if (keysAre(output, ['result'])) {
      return output.result === null || (typeof output.result === 'number' && !Number.isNaN(output.result))
        ? undefined
        : 'result: expected a number or null'
    }
    if (keysAre(output, ['output'])) {
      return typeof output.output === 'string' && BASE64.test(output.output)
        ? undefined
        : 'output: expected base64'
    }
    return 'expected {result} or {output}'
  },
}

export function checkKindOutput(kind: string, input: unknown, output: unknown): string | undefined {
  if (valueDeeperThan(output, MAX_OUTPUT_DEPTH)) return `output nests deeper than ${MAX_OUTPUT_DEPTH} levels`
  return CHECKS[kind]?.(input, output)
}
