import { z } from 'zod'
import { DEFAULT_EMBEDDING_DIMENSIONS, MAX_EMBEDDING_DIMENSIONS } from '../../constants.ts'
import { HASHING_EMBEDDING_MODEL, hashingEmbedding } from '../../text/hashing-embedding.ts'
import { MAX_TEXT_CHARS } from '../../text/limits.ts'
import { defineTool } from '../../tool/define-tool.ts'

/** How many texts are embedded between progress reports and cancellation checks. */
const BATCH = 64
/**
 * Most numbers one answer carries (texts × dimensions): the vectors are serialised as
 * JSON on the relay's event loop, ~20 bytes a number (issue 9).
 */
export const MAX_EMBEDDING_NUMBERS = 50_000
const fmt = (n: number) => n.toLocaleString('en')

/**
 * The hashing embedding as a tool. It runs where the router decides (`auto`): on a
 * connected worker that runs `embed` tasks, else on the relay; both give the same vectors.
 */
export const embedTool = (name: string, category: string, description: string) =>
  defineTool({
    name,
    category,
    description,
    input: z
      .object({
        texts: z
          .array(z.string())
          .min(1)
          .max(10_000)
          .describe(
            `Texts to embed, one vector each; at most ${fmt(MAX_TEXT_CHARS)} characters in all, and texts × dimensions at most ${fmt(MAX_EMBEDDING_NUMBERS)}`,
          ),
        dimensions: z
          .number()
          .int()
          .min(8)
          .max(MAX_EMBEDDING_DIMENSIONS)
          .default(DEFAULT_EMBEDDING_DIMENSIONS)
          .describe('Vector length'),
      })
      .superRefine(({ texts, dimensions }, ctx) => {
        let chars = 0
        for (const text of texts) chars += text.length
        if (chars > MAX_TEXT_CHARS) {
          ctx.addIssue({
            code: 'custom',
            path: ['texts'],
            message: `${fmt(chars)} characters in all; at most ${fmt(MAX_TEXT_CHARS)}`,
          })
        }
        if (texts.length * dimensions > MAX_EMBEDDING_NUMBERS) {
          ctx.addIssue({
            code: 'custom',
            path: ['texts'],
            message: `${texts.length} texts of ${dimensions} dimensions make ${fmt(texts.length * dimensions)} numbers; at most ${fmt(MAX_EMBEDDING_NUMBERS)} per call`,
          })
        }
      }),
    output: z.object({
      model: z.literal(HASHING_EMBEDDING_MODEL),
      dimensions: z.number().int(),
      embeddings: z.array(z.array(z.number())),
    }),
    annotations: { title: 'Embed texts', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    runtime: 'auto',
    taskKind: 'embed',
    pure: true,
    handlers: {
      local: async ({ texts, dimensions }, ctx) => {
        const embeddings: number[][] = []
        for (let i = 0; i < texts.length; i++) {
          if (i % BATCH === 0) {
            ctx.signal.throwIfAborted()
            ctx.progress(i, texts.length, `embedded ${i} of ${texts.length}`)
            // Yield so a cancellation notification can be read between batches.
            if (i > 0) await new Promise<void>((resolve) => setTimeout(resolve, 0))
          }
          embeddings.push(Array.from(hashingEmbedding(texts[i] as string, dimensions)))
        }
        ctx.progress(texts.length, texts.length, 'done')
        return { model: HASHING_EMBEDDING_MODEL, dimensions, embeddings }
      },
    },
  })

export const textEmbed = embedTool(
  'text_embed',
  'text',
  'Embed texts as deterministic hashing-trick vectors (unigrams and bigrams, MurmurHash3, L2-normalised) for similarity search',
)
