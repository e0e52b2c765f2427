/** The `text` category: pure tools that run on the relay, the edge and (embed) workers. */
import { TEXT_CATEGORY } from './category.ts'
import { textChunk } from './text-chunk.ts'
import { textCount } from './text-count.ts'
import { textEmbed } from './text-embed.ts'
import { textHash } from './text-hash.ts'

export const textCategory = { info: TEXT_CATEGORY, tools: [textHash, textChunk, textCount, textEmbed] }
