import { murmur3 } from './murmur3.ts'

/** Identifies the algorithm below; bump it if a single output bit would change. */
export const HASHING_EMBEDDING_MODEL = 'hashing-v1' as const

const encoder = new TextEncoder()
export const WORD = /[\p{L}\p{N}]+/gu

/** Lower-cased NFKC word tokens: the features the embedding hashes. */
export function embeddingTokens(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? []
}

/**
 * The hashing trick (Weinberger et al., 2009): each unigram (weight 1) and bigram
 * (weight 0.5) is hashed with MurmurHash3 to a bucket (seed 0) and a sign (seed 1);
 * the vector is L2-normalised. Deterministic and identical in every runtime, so the
 * relay, browser workers and the edge produce comparable vectors. An empty text
 * gives the zero vector.
 */
export function hashingEmbedding(text: string, dimensions: number): Float64Array {
  const vector = new Float64Array(dimensions)
  const tokens = embeddingTokens(text)
  const add = (feature: string, weight: number): void => {
    const bytes = encoder.encode(feature)
    const bucket = murmur3(bytes, 0) % dimensions
    const sign = (murmur3(bytes, 1) & 1) === 0 ? 1 : -1
    vector[bucket] = (vector[bucket] ?? 0) + sign * weight
  }
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string
    add(token, 1)
    if (i > 0) add(`${tokens[i - 1]} ${token}`, 0.5)
  }
  let norm = 0
  for (const v of vector) norm += v * v
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm)
    for (let i = 0; i < dimensions; i++) vector[i] = (vector[i] ?? 0) * scale
  }
  return vector
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    dot += x * y
    na += x * x
    nb += y * y
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb)
}
