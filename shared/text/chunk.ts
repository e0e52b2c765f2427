export interface Chunk {
  index: number
  text: string
  /** First unit of the chunk (a code point, word or token index). */
  start: number
  /** One past the last unit of the chunk. */
  end: number
}

/**
 * Sliding windows of `size` units advancing by `size - overlap`; the last window ends
 * at the last unit, so no unit is lost and no window is empty.
 */
export function windows(count: number, size: number, overlap: number): Array<[number, number]> {
  const stride = size - overlap
  const out: Array<[number, number]> = []
  for (let start = 0; start < count; start += stride) {
    const end = Math.min(start + size, count)
    out.push([start, end])
    if (end === count) break
  }
  return out
}

/** Chunks by Unicode code points, so a chunk never splits a surrogate pair. */
export function chunkCharacters(text: string, size: number, overlap: number): Chunk[] {
  const points = Array.from(text)
  return windows(points.length, size, overlap).map(([start, end], index) => ({
    index,
    text: points.slice(start, end).join(''),
    start,
    end,
  }))
}

/** Chunks by whitespace-separated words, keeping the original spacing inside a chunk. */
export function chunkWords(text: string, size: number, overlap: number): Chunk[] {
  const words = [...text.matchAll(/\S+/g)].map((m) => ({ from: m.index, to: m.index + m[0].length }))
  return windows(words.length, size, overlap).map(([start, end], index) => ({
    index,
    text: text.slice(words[start]?.from ?? 0, words[end - 1]?.to ?? 0),
    start,
    end,
  }))
}

/** Chunks a token sequence, decoding each window back to text. */
export function chunkTokens(
  tokens: number[],
  decode: (tokens: number[]) => string,
  size: number,
  overlap: number,
): Chunk[] {
  return windows(tokens.length, size, overlap).map(([start, end], index) => ({
    index,
    text: decode(tokens.slice(start, end)),
    start,
    end,
  }))
}
