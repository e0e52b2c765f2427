import { type BpeRankTable, BpeTokenizer } from './bpe.ts'

export const TOKEN_ENCODINGS = ['cl100k_base', 'o200k_base'] as const
export type TokenEncoding = (typeof TOKEN_ENCODINGS)[number]

const cache = new Map<TokenEncoding, Promise<BpeTokenizer>>()

/**
 * A real BPE tokenizer with OpenAI's encodings (the rank tables that js-tiktoken
 * ships; the merging is ours, see bpe.ts). The tables are a few MB, so each is loaded
 * on first use rather than at start-up.
 */
export function loadTokenizer(encoding: TokenEncoding): Promise<BpeTokenizer> {
  let pending = cache.get(encoding)
  if (!pending) {
    pending = (async () => {
      const table: BpeRankTable =
        encoding === 'cl100k_base'
          ? (await import('js-tiktoken/ranks/cl100k_base')).default
          : (await import('js-tiktoken/ranks/o200k_base')).default
      return new BpeTokenizer(table)
    })()
    cache.set(encoding, pending)
  }
  return pending
}
