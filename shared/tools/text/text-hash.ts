import { z } from 'zod'
import { digest, encodeDigest, HASH_ALGORITHMS } from '../../text/digest.ts'
import { MAX_TEXT_CHARS } from '../../text/limits.ts'
import { defineTool } from '../../tool/define-tool.ts'

const encoder = new TextEncoder()

export const textHash = defineTool({
  name: 'text_hash',
  category: 'text',
  description:
    'Hash text (UTF-8) with a chosen algorithm (SHA-2, SHA-3, BLAKE2/3, SHA-1, MD5); hex or base64 digest',
  input: z.object({
    text: z
      .string()
      .max(MAX_TEXT_CHARS)
      .describe(
        `Text to hash; hashed as its UTF-8 bytes (at most ${MAX_TEXT_CHARS.toLocaleString('en')} characters)`,
      ),
    algorithm: z.enum(HASH_ALGORITHMS).default('sha256').describe('Hash algorithm'),
    encoding: z.enum(['hex', 'base64']).default('hex').describe('Digest encoding'),
  }),
  output: z.object({
    algorithm: z.enum(HASH_ALGORITHMS),
    encoding: z.enum(['hex', 'base64']),
    digest: z.string(),
    bytes: z.number().int().describe('Length of the hashed input in bytes'),
  }),
  annotations: { title: 'Hash text', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  runtime: 'local',
  pure: true,
  handlers: {
    local: async ({ text, algorithm, encoding }) => {
      const bytes = encoder.encode(text)
      return {
        algorithm,
        encoding,
        digest: encodeDigest(digest(algorithm, bytes), encoding),
        bytes: bytes.length,
      }
    },
  },
})
