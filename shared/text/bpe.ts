/** A tiktoken rank table, as the `js-tiktoken/ranks/*` modules export it. */
export interface BpeRankTable {
  pat_str: string
  special_tokens: Record<string, number>
  bpe_ranks: string
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8')
/** Ranks fit in 22 bits and piece offsets below 2^30, so (rank, start) packs exactly into a double. */
const START_BITS = 2 ** 30

/**
 * Byte-pair encoding with OpenAI's tiktoken tables (cl100k_base, o200k_base), giving
 * the same tokens as tiktoken and js-tiktoken for any text. js-tiktoken's merge loop
 * rescans every pair after each merge, which is quadratic in the length of a piece
 * (issue 9: 8,000 letters without a space took 5 s); here the pairs wait in a heap
 * ordered by (rank, position) and a merge updates only its two neighbours, so a piece
 * of n bytes costs O(n log n). Token bytes are kept as binary strings (one char per
 * byte), which `atob` yields directly and a Map hashes quickly.
 *
 * Special tokens such as `<|endoftext|>` are encoded as the ordinary text they are:
 * a counter of user text must neither fail on them nor give them meaning.
 */
export class BpeTokenizer {
  private readonly ranks = new Map<string, number>()
  private readonly bytes: string[] = []
  private readonly maxTokenBytes: number
  private readonly pattern: RegExp

  constructor(table: BpeRankTable) {
    let longest = 1
    for (const line of table.bpe_ranks.split('\n')) {
      if (line === '') continue
      const fields = line.split(' ')
      const offset = Number.parseInt(fields[1] as string, 10)
      for (let i = 2; i < fields.length; i++) {
        const token = atob(fields[i] as string)
        this.ranks.set(token, offset + i - 2)
        this.bytes[offset + i - 2] = token
        if (token.length > longest) longest = token.length
      }
    }
    for (const [text, rank] of Object.entries(table.special_tokens)) this.bytes[rank] = toBinary(text)
    this.maxTokenBytes = longest
    this.pattern = new RegExp(table.pat_str, 'gu')
  }

  /** The token ids of `text`. */
  encode(text: string): number[] {
    const out: number[] = []
    for (const match of text.matchAll(this.pattern)) this.encodePiece(toBinary(match[0]), out)
    return out
  }

  /** The text of a token sequence (a sequence that splits a character decodes it as U+FFFD). */
  decode(tokens: readonly number[]): string {
    let binary = ''
    for (const token of tokens) binary += this.bytes[token] ?? ''
    const bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
    return decoder.decode(bytes)
  }

  private encodePiece(piece: string, out: number[]): void {
    const whole = this.ranks.get(piece)
    if (whole !== undefined) {
      out.push(whole)
      return
    }
    const n = piece.length
    // Part i covers bytes [i, next[i]); a start that was merged away has next[i] = -1.
    const next = new Int32Array(n)
    const prev = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      next[i] = i + 1
      prev[i] = i - 1
    }
    const heap = new PairHeap()
    const pairEnd = (i: number): number => {
      const j = next[i] as number
      return j >= n ? -1 : (next[j] as number)
    }
    const offer = (i: number): void => {
      const end = pairEnd(i)
      if (end < 0 || end - i > this.maxTokenBytes) return
      const rank = this.ranks.get(piece.slice(i, end))
      if (rank !== undefined) heap.push(rank * START_BITS + i, end)
    }
    for (let i = 0; i < n - 1; i++) offer(i)
    while (heap.size > 0) {
      const { key, end } = heap.pop()
      const i = key % START_BITS
      // Stale: the part was merged into its left neighbour, or its pair has grown since.
      if (next[i] === -1 || pairEnd(i) !== end) continue
      const j = next[i] as number
      next[i] = next[j] as number
      next[j] = -1
      if ((next[i] as number) < n) prev[next[i] as number] = i
      offer(i)
      if ((prev[i] as number) >= 0) offer(prev[i] as number)
    }
    for (let i = 0; i < n; i = next[i] as number) {
      const rank = this.ranks.get(piece.slice(i, next[i]))
      if (rank !== undefined) out.push(rank)
    }
  }
}

/** The UTF-8 bytes of `text` as a binary string (one char per byte). */
export function toBinary(text: string): string {
  let ascii = true
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false
      break
    }
  }
  if (ascii) return text
  const bytes = encoder.encode(text)
  let out = ''
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192))
  }
  return out
}

/** A binary min-heap of (key, end) pairs. */
class PairHeap {
  private readonly keys: number[] = []
  private readonly ends: number[] = []

  get size(): number {
    return this.keys.length
  }

  push(key: number, end: number): void {
    const { keys, ends } = this
    let i = keys.length
    keys.push(key)
    ends.push(end)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((keys[parent] as number) <= key) break
      keys[i] = keys[parent] as number
      ends[i] = ends[parent] as number
      i = parent
    }
    keys[i] = key
    ends[i] = end
  }

  pop(): { key: number; end: number } {
    const { keys, ends } = this
    const top = { key: keys[0] as number, end: ends[0] as number }
    const lastKey = keys.pop() as number
    const lastEnd = ends.pop() as number
    const n = keys.length
    if (n === 0) return top
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      if (child + 1 < n && (keys[child + 1] as number) < (keys[child] as number)) child++
      if ((keys[child] as number) >= lastKey) break
      keys[i] = keys[child] as number
      ends[i] = ends[child] as number
      i = child
    }
    keys[i] = lastKey
    ends[i] = lastEnd
    return top
  }
}
