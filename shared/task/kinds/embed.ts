import { DEFAULT_EMBEDDING_DIMENSIONS, MAX_EMBEDDING_DIMENSIONS } from '../../constants.ts'
import { HASHING_EMBEDDING_MODEL, hashingEmbedding } from '../../text/hashing-embedding.ts'
import { z } from '../../zod-mini.ts'
import { defineKind } from './types.ts'

const PROGRESS_EVERY = 64

/** The `text_embed` hashing embedding, so worker and relay vectors are identical. */
export const embedKind = defineKind({
  kind: 'embed',
  description: 'Hashing-trick embeddings of texts (same algorithm as text_embed)',
  input: z.strictObject({
    texts: z.array(z.string()).check(z.minLength(1), z.maxLength(10_000)),
    dimensions: z._default(
      z.int().check(z.minimum(8), z.maximum(MAX_EMBEDDING_DIMENSIONS)),
      DEFAULT_EMBEDDING_DIMENSIONS,
    ),
  }),
  run: async ({ texts, dimensions }, ctx) => {
    const embeddings: number[][] = []
    for (let i = 0; i < texts.length; i++) {
      if (i % PROGRESS_EVERY === 0 && i > 0) ctx.progress(i, texts.length, `embedded ${i} of ${texts.length}`)
      embeddings.push(Array.from(hashingEmbedding(texts[i] as string, dimensions)))
    }
    return { model: HASHING_EMBEDDING_MODEL, dimensions, embeddings }
  },
})
