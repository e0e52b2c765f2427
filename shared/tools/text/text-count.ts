import { z } from 'zod'
import { MAX_TEXT_CHARS } from '../../text/limits.ts'
import { loadTokenizer, TOKEN_ENCODINGS } from '../../text/tokenizer.ts'
import { defineTool } from '../../tool/define-tool.ts'

/** Line breaks, counted as text_count's lines. */
export const LINE_BREAK = /\r\n|\r|\n/

const words = new Intl.Segmenter(undefined, { granularity: 'word' })
const sentences = new Intl.Segmenter(undefined, { granularity: 'sentence' })

function countSegments(segmenter: Intl.Segmenter, text: string, wordLikeOnly: boolean): number {
  let n = 0
  for (const s of segmenter.segment(text)) {
    if (wordLikeOnly ? s.isWordLike : s.segment.trim().length > 0) n++
  }
  return n
}

export const textCount = defineTool({
  name: 'text_count',
  category: 'text',
  description:
    'Count tokens (BPE tokenizer cl100k_base or o200k_base), words, sentences, lines, characters and bytes of a text',
  input: z.object({
    text: z
      .string()
      .max(MAX_TEXT_CHARS)
      .describe(`Text to measure (at most ${MAX_TEXT_CHARS.toLocaleString('en')} characters)`),
    encoding: z.enum(TOKEN_ENCODINGS).default('cl100k_base').describe('Tokenizer used for the token count'),
  }),
  output: z.object({
    encoding: z.enum(TOKEN_ENCODINGS),
    tokens: z.number().int(),
    words: z.number().int().describe('Word-like segments (Unicode word boundaries)'),
    sentences: z.number().int(),
    lines: z.number().int(),
    characters: z.number().int().describe('Unicode code points'),
    bytes: z.number().int().describe('UTF-8 bytes'),
  }),
  annotations: {
    title: 'Count tokens and words',
    readOnlyHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
  pure: true,
  handlers: {
    local: async ({ text, encoding }) => {
      const tokenizer = await loadTokenizer(encoding)
      return {
        encoding,
        tokens: tokenizer.encode(text).length,
        words: countSegments(words, text, true),
        sentences: countSegments(sentences, text, false),
        lines: text.length === 0 ? 0 : text.split(LINE_BREAK).length,
        characters: Array.from(text).length,
        bytes: new TextEncoder().encode(text).length,
      }
    },
  },
})
