import { z } from 'zod'
import { chunkCharacters, chunkTokens, chunkWords, wordSpans } from '../../text/chunk.ts'
import { MAX_CHUNK_INPUT_CHARS, MAX_CHUNKED_CHARS, MAX_CHUNKS } from '../../text/limits.ts'
import { loadTokenizer, TOKEN_ENCODINGS } from '../../text/tokenizer.ts'
import { defineTool } from '../../tool/define-tool.ts'

export const textChunk = defineTool({
  name: 'text_chunk',
  category: 'text',
  description: `Split text into overlapping chunks for retrieval (RAG), by characters, words or tokens, with a chunk size and overlap; at most ${MAX_CHUNKS.toLocaleString('en')} chunks and ${MAX_CHUNKED_CHARS.toLocaleString('en')} characters in all per call`,
  input: z
    .object({
      text: z
        .string()
        .max(MAX_CHUNK_INPUT_CHARS)
        .describe(`Text to split (at most ${MAX_CHUNK_INPUT_CHARS.toLocaleString('en')} characters)`),
      size: z.number().int().min(1).max(1_000_000).default(512).describe('Units per chunk'),
      overlap: z.number().int().min(0).default(64).describe('Units shared by consecutive chunks; below size'),
      unit: z
        .enum(['characters', 'words', 'tokens'])
        .default('tokens')
        .describe('What size and overlap count'),
      encoding: z.enum(TOKEN_ENCODINGS).default('cl100k_base').describe('Tokenizer when unit is tokens'),
    })
    .refine((p) => p.overlap < p.size, { path: ['overlap'], message: 'overlap must be smaller than size' }),
  output: z.object({
    unit: z.enum(['characters', 'words', 'tokens']),
    totalUnits: z.number().int(),
    count: z.number().int(),
    chunks: z.array(
      z.object({
        index: z.number().int(),
        text: z.string(),
        start: z.number().int().describe('Index of the first unit'),
        end: z.number().int().describe('Index one past the last unit'),
      }),
    ),
  }),
  annotations: { title: 'Chunk text', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  pure: true,
  handlers: {
    local: async ({ text, size, overlap, unit, encoding }) => {
      if (unit === 'characters') {
        const chunks = chunkCharacters(text, size, overlap)
        return { unit, totalUnits: Array.from(text).length, count: chunks.length, chunks }
      }
      if (unit === 'words') {
        const chunks = chunkWords(text, size, overlap)
        return { unit, totalUnits: wordSpans(text).length, count: chunks.length, chunks }
      }
      const tokenizer = await loadTokenizer(encoding)
      const tokens = tokenizer.encode(text)
      const chunks = chunkTokens(tokens, (t) => tokenizer.decode(t), size, overlap)
      return { unit, totalUnits: tokens.length, count: chunks.length, chunks }
    },
  },
})
