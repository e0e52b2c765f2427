import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { CSV_SPECIAL } from '../relay/compute/audit-ops.ts'
import { GRAPH_NAME } from '../relay/tools/graph/graph-files.ts'
import { INDEX_NAME } from '../relay/tools/search/index-store.ts'
import { VECTOR_INDEX_NAME } from '../relay/vectors/vector-store.ts'
import { CHECK_PATTERNS, detectors } from '../shared/security/detectors.ts'
import { WORD_RUN } from '../shared/text/chunk.ts'
import { WORD } from '../shared/text/hashing-embedding.ts'
import { CAMEL_BOUNDARY, NON_WORD } from '../shared/tool/tool-search.ts'
import { LINE_BREAK } from '../shared/tools/text/text-count.ts'

const { checkSync } = createRequire(import.meta.url)('recheck') as typeof import('recheck')

/** recheck's verdict on a pattern: `safe`, or how it backtracks and an attack string. */
function verdict(pattern: RegExp): string {
  const result = checkSync(pattern.source, pattern.flags, { timeout: 120_000, randomSeed: 9 })
  return result.status === 'safe'
    ? 'safe'
    : `${result.status}: ${'complexity' in result ? result.complexity?.type : ''} ${'attack' in result ? result.attack?.pattern : ''}`
}

/**
 * Issue 9: every regex the relay applies to a caller's input runs in linear time: the
 * secret detectors and the checks on their matches, word splitting, tokenizer
 * pre-splitting, names, CSV quoting.
 */
const tiktoken = async (name: 'cl100k_base' | 'o200k_base') =>
  new RegExp(
    (name === 'cl100k_base'
      ? (await import('js-tiktoken/ranks/cl100k_base')).default
      : (await import('js-tiktoken/ranks/o200k_base')).default
    ).pat_str,
    'gu',
  )

describe('secret detector patterns', () => {
  it.each(detectors().map((d) => [d.type, d.pattern] as const))(
    '%s cannot backtrack catastrophically (recheck)',
    (_type, pattern) => {
      expect(verdict(pattern)).toBe('safe')
    },
    180_000,
  )

  it('the checks applied to matches cannot either', () => {
    for (const pattern of CHECK_PATTERNS) expect(verdict(pattern)).toBe('safe')
  }, 180_000)
})

describe('regexes applied to user input', () => {
  it.each([
    ['text_chunk words', WORD_RUN],
    ['text_count lines', LINE_BREAK],
    ['embedding words', WORD],
    ['tools_search camelCase', CAMEL_BOUNDARY],
    ['tools_search separators', NON_WORD],
    ['audit CSV quoting', CSV_SPECIAL],
    ['graph names', GRAPH_NAME],
    ['search index names', INDEX_NAME],
    ['vector index names', VECTOR_INDEX_NAME],
  ] as const)('%s cannot backtrack catastrophically (recheck)', (_what, pattern) => {
    expect(verdict(pattern)).toBe('safe')
  })

  it.each(['cl100k_base', 'o200k_base'] as const)(
    'the %s tokenizer pre-split cannot either',
    async (name) => {
      const pattern = await tiktoken(name)
      expect(verdict(pattern)).toBe('safe')
    },
    180_000,
  )
})
