import type { Tiktoken } from 'js-tiktoken/lite'

export const TOKEN_ENCODINGS = ['cl100k_base', 'o200k_base'] as const
export type TokenEncoding = (typeof TOKEN_ENCODINGS)[number]

const cache = new Map<TokenEncoding, Promise<Tiktoken>>()

/**
 * A real BPE tokenizer (js-tiktoken, OpenAI's encodings). The rank tables are a few
 * MB, so each is loaded on first use rather than at start-up.
 */
export function loadTokenizer(encoding: TokenEncoding): Promise<Tiktoken> {
  let pending = cache.get(encoding)
  if (!pending) {
    pending = (async () => {
      const { Tiktoken } = await import('js-tiktoken/lite')
      const ranks =
        encoding === 'cl100k_base'
          ? (await import('js-tiktoken/ranks/cl100k_base')).default
          : (await import('js-tiktoken/ranks/o200k_base')).default
      return new Tiktoken(ranks)
    })()
    cache.set(encoding, pending)
  }
  return pending
}
