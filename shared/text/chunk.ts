import { McppError } from '../errors.ts'
import { MAX_CHUNKED_CHARS, MAX_CHUNKS } from './limits.ts'

export interface Chunk {
  index: number
  text: string
  /** First unit of the chunk (a code point, word or token index). */
  start: number
  /** One past the last unit of the chunk. */
  end: number
}

/** How many windows `windows` gives, computed without making them. */
export function windowCount(count: number, size: number, overlap: number): number {
  if (count === 0) return 0
  if (count <= size) return 1
  return 1 + Math.ceil((count - size) / (size - overlap))
}

/**
 * Sliding windows of `size` units advancing by `size - overlap`; the last window ends
 * at the last unit, so no unit is lost and no window is empty. More than MAX_CHUNKS
 * windows is refused before any is made.
 */
export function windows(count: number, size: number, overlap: number): Array<[number, number]> {
  const planned = windowCount(count, size, overlap)
  if (planned > MAX_CHUNKS) {
    throw new McppError(
      'INVALID_PARAMS',
      `size: ${count} units in chunks of ${size} (overlap ${overlap}) make ${planned} chunks; at most ${MAX_CHUNKS} are returned, so use a larger size`,
      { problems: [{ param: 'size', problem: `more than ${MAX_CHUNKS} chunks` }] },
    )
  }
  const stride = size - overlap
  const out: Array<[number, number]> = []
  for (let start = 0; start < count; start += stride) {
    const end = Math.min(start + size, count)
    out.push([start, end])
    if (end === count) break
  }
  return out
}

/** Refuses chunks that together repeat more text than one answer carries. */
function checkTotal(total: number): void {
  if (total > MAX_CHUNKED_CHARS) {
    throw new McppError(
      'INVALID_PARAMS',
      `overlap: the chunks would hold more than ${MAX_CHUNKED_CHARS} characters in all; use a smaller overlap`,
      { problems: [{ param: 'overlap', problem: `chunks over ${MAX_CHUNKED_CHARS} characters in all` }] },
    )
  }
}

/** Chunks by Unicode code points, so a chunk never splits a surrogate pair. */
export function chunkCharacters(text: string, size: number, overlap: number): Chunk[] {
  const points = Array.from(text)
  const spans = windows(points.length, size, overlap)
  checkTotal(spans.reduce((sum, [start, end]) => sum + end - start, 0))
  return spans.map(([start, end], index) => ({
    index,
    text: points.slice(start, end).join(''),
    start,
    end,
  }))
}

/** A run of non-space characters: a word, for chunking by words. */
export const WORD_RUN = /\S+/g

/** Offsets of the whitespace-separated words of `text`. */
export function wordSpans(text: string): Array<{ from: number; to: number }> {
  return [...text.matchAll(WORD_RUN)].map((m) => ({ from: m.index, to: m.index + m[0].length }))
}

/** Chunks by whitespace-separated words, keeping the original spacing inside a chunk. */
export function chunkWords(text: string, size: number, overlap: number): Chunk[] {
  const words = wordSpans(text)
  const spans = windows(words.length, size, overlap).map(([start, end]) => ({
    start,
    end,
    from: words[start]?.from ?? 0,
    to: words[end - 1]?.to ?? 0,
  }))
  checkTotal(spans.reduce((sum, s) => sum + s.to - s.from, 0))
  return spans.map(({ start, end, from, to }, index) => ({ index, text: text.slice(from, to), start, end }))
}

/** Chunks a token sequence, decoding each window back to text. */
export function chunkTokens(
  tokens: number[],
  decode: (tokens: number[]) => string,
  size: number,
  overlap: number,
): Chunk[] {
  let total = 0
  return windows(tokens.length, size, overlap).map(([start, end], index) => {
    const text = decode(tokens.slice(start, end))
    total += text.length
    checkTotal(total)
    return { index, text, start, end }
  })
}
