import { writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { MAX_VALUE_BYTES } from '../relay/tools/cache.ts'
import { MAX_ADD, MAX_EXPORT_ELEMENTS } from '../relay/tools/graph/limits.ts'
import { MAX_ADD_NUMBERS } from '../relay/vectors/limits.ts'
import { MAX_CHUNK_INPUT_CHARS, MAX_TEXT_CHARS } from '../shared/text/limits.ts'
import { MAX_QUERY_CHARS } from '../shared/tool/tool-search.ts'
import { MAX_EMBEDDING_NUMBERS } from '../shared/tools/text/text-embed.ts'
import type { CallReply, CallRequest } from './event-loop-client.ts'
import { connectClient, errorMeta, startTestRelay } from './helpers.ts'

/**
 * Issue 9: no call may hold the relay's event loop for more than 50 ms. A real relay
 * runs in this process; while the heaviest input each heavy tool allows runs (sent by
 * the SDK client from a worker thread), /healthz is polled back to back, each poll on a
 * new connection, until the call settles, and every answer must come within 100 ms.
 * The polls are the measurement: nothing here waits on a timer.
 */
const HEALTHZ_LIMIT_MS = 100

// The heaviest inputs take seconds of compute-thread time each.
vi.setConfig({ testTimeout: 240_000 })

let relay: RunningRelay
/** The SDK client runs on a worker thread (event-loop-client.ts); see there why. */
let clientThread: Worker
const pending = new Map<number, (reply: CallReply) => void>()
/** The slowest /healthz answer seen while each tool ran, printed at the end. */
const slowestByTool = new Map<string, number>()
let nextId = 0

beforeAll(async () => {
  relay = await startTestRelay()
  clientThread = new Worker(new URL('./event-loop-client.ts', import.meta.url), {
    workerData: { url: relay.url },
  })
  await new Promise<void>((resolve, reject) => {
    clientThread.once('error', reject)
    clientThread.once('message', () => resolve())
  })
  clientThread.on('message', (reply: CallReply) => pending.get(reply.id)?.(reply))
})

afterAll(async () => {
  const table = [...slowestByTool].map(([tool, ms]) => `${tool} ${ms.toFixed(0)} ms`).join(', ')
  console.log(`slowest /healthz while each tool ran: ${table}`)
  clientThread?.postMessage('close')
  await new Promise((resolve) => clientThread?.once('exit', resolve))
  await relay?.close()
})

function dispatch(tool: string, params: Record<string, unknown>): Promise<CallReply> {
  const id = nextId++
  return new Promise((resolve) => {
    pending.set(id, (reply) => {
      pending.delete(id)
      resolve(reply)
    })
    const request: CallRequest = { id, tool, params }
    clientThread.postMessage(request)
  })
}

function healthz(): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = get(`${relay.url}/healthz`, { agent: false }, (res) => {
      res.resume()
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(performance.now() - started)
          : reject(new Error(`${res.statusCode}`)),
      )
    })
    req.on('error', reject)
  })
}

interface Measured {
  reply: CallReply
  /** Every /healthz round trip while the call ran, in ms. */
  samples: number[]
  /** When each poll started, in ms after the call started. */
  starts: number[]
  durationMs: number
}

/** Runs a tool through tools_dispatch while polling /healthz until the call settles. */
async function measure(tool: string, params: Record<string, unknown>): Promise<Measured> {
  let settled = false
  const started = performance.now()
  const call = dispatch(tool, params).finally(() => {
    settled = true
  })
  const samples: number[] = []
  const starts: number[] = []
  do {
    starts.push(performance.now() - started)
    samples.push(await healthz())
  } while (!settled)
  const reply = await call
  return { reply, samples, starts, durationMs: performance.now() - started }
}

/** The call's result; fails if any /healthz poll took too long (the samples are shown). */
async function heavy(tool: string, params: Record<string, unknown>, expectError?: string): Promise<any> {
  const { reply, samples, starts, durationMs } = await measure(tool, params)
  const slowest = Math.max(...samples)
  slowestByTool.set(tool, Math.max(slowestByTool.get(tool) ?? 0, slowest))
  const slow = samples
    .map((ms, i) => `${ms.toFixed(0)} ms at ${(starts[i] as number).toFixed(0)}`)
    .filter((_, i) => (samples[i] as number) >= HEALTHZ_LIMIT_MS)
  const report = `${tool}: ${samples.length} polls over ${durationMs.toFixed(0)} ms, slowest ${slowest.toFixed(1)} ms; slow: ${slow.join(', ')}`
  expect(slowest, report).toBeLessThan(HEALTHZ_LIMIT_MS)
  if (expectError) {
    expect(reply.code, report).toBe(expectError)
    return undefined
  }
  expect(reply.failure, report).toBeUndefined()
  return reply.result
}

const repeat = (unit: string, chars: number) => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars)
/** One BPE piece as long as allowed: the input that was quadratic (8,000 letters took 5 s). */
const oneWord = 'a'.repeat(MAX_TEXT_CHARS)
const prose = repeat('The quick brown fox jumps over the lazy dog; ünïcödé 中文 12345. ', MAX_TEXT_CHARS)

describe('text tools', () => {
  it('count tokens of the longest allowed single word', async () => {
    const out = await heavy('text_count', { text: oneWord })
    expect(out.characters).toBe(MAX_TEXT_CHARS)
    expect(out.tokens).toBeGreaterThan(0)
    expect((await heavy('text_count', { text: prose, encoding: 'o200k_base' })).characters).toBeGreaterThan(0)
  })

  it('chunk the longest allowed text by tokens, characters and words into the most chunks and text allowed', async () => {
    const word = oneWord.slice(0, MAX_CHUNK_INPUT_CHARS)
    const text = prose.slice(0, MAX_CHUNK_INPUT_CHARS)
    // The most chunks and characters an answer holds (MAX_CHUNKS, MAX_CHUNKED_CHARS).
    const byTokens = await heavy('text_chunk', { text: word, size: 128, overlap: 0 })
    expect(byTokens.count).toBeGreaterThan(400)
    const byCharacters = await heavy('text_chunk', { text, size: 500, overlap: 0, unit: 'characters' })
    expect(byCharacters.count).toBe(1000)
    expect((await heavy('text_chunk', { text, size: 200, overlap: 0, unit: 'words' })).count).toBeGreaterThan(
      1,
    )
  })

  it('refuse 1-character chunks of the longest text quickly', async () => {
    await heavy(
      'text_chunk',
      { text: oneWord.slice(0, MAX_CHUNK_INPUT_CHARS), size: 1, overlap: 0, unit: 'characters' },
      'INVALID_PARAMS',
    )
  })

  it('hash and embed the most text allowed', async () => {
    await heavy('text_hash', { text: prose, algorithm: 'sha3-512' })
    const dimensions = 384
    const count = Math.floor(MAX_EMBEDDING_NUMBERS / dimensions)
    const texts = Array.from({ length: count }, () => prose.slice(0, Math.floor(MAX_TEXT_CHARS / count)))
    expect((await heavy('text_embed', { texts, dimensions })).embeddings).toHaveLength(count)
  })
})

describe('security tools', () => {
  /** Each run defeats one of the old patterns: "a.a.…" took 7.6 s per 128 KB. */
  const adversarial = [
    'a.',
    'eyJJ-',
    '0-_',
    '1 ',
    '+1 (234) 567-890 ',
    'ghp_',
    'password=xxxxxxxxx1 ',
    'ada@example.org ',
  ]

  it('scan the longest allowed text built against each pattern', async () => {
    for (const unit of adversarial) await heavy('security_scan_text', { text: repeat(unit, MAX_TEXT_CHARS) })
  })

  it('list at most 1,000 findings and redact them all', async () => {
    const emails = repeat('ada@example.org ', MAX_TEXT_CHARS)
    const scanned = await heavy('security_scan_text', { text: emails, kinds: ['pii'] })
    expect(scanned.findings).toHaveLength(1000)
    expect(scanned.truncated).toBe(true)
    expect(scanned.counts.email).toBe(Math.floor(MAX_TEXT_CHARS / 16))
    const redacted = await heavy('security_redact_text', { text: emails, replacement: '*' })
    expect(redacted.redacted).toBe(Math.floor(MAX_TEXT_CHARS / 16))
    // The longest answer: the whole text back.
    expect((await heavy('security_redact_text', { text: prose })).text).toHaveLength(MAX_TEXT_CHARS)
  })

  it('scan and redact a 16 MB file', async () => {
    const dir = join(relay.components.config.dataDir, 'files')
    writeFileSync(join(dir, 'big.log'), repeat('a.eyJJ-0-_1 ada@example.org\n', 16 * 1024 * 1024 - 1))
    expect((await heavy('security_scan_file', { path: 'big.log' })).truncated).toBe(true)
    expect(
      (await heavy('security_redact_file', { path: 'big.log', output: 'big.redacted.log' })).redacted,
    ).toBeGreaterThan(0)
  })
})

describe('search', () => {
  it('tools_search with the longest allowed query of distinct words', async () => {
    const words = Array.from({ length: 64 }, (_, i) => `w${i.toString(36)}xyzq`).join(' ')
    await heavy('tools_search', { query: words.slice(0, MAX_QUERY_CHARS), limit: 100 })
  })

  it('builds a full-text index over 100,000 rows and runs a fuzzy prefix query', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) =>
      JSON.stringify({
        id: i,
        title: `document ${i} about topic${i % 977}`,
        body: prose.slice(i % 500, (i % 500) + 200),
      }),
    )
    writeFileSync(join(relay.components.config.dataDir, 'files', 'docs.jsonl'), rows.join('\n'))
    // Loading is DuckDB's work (a slice of issue 9 of its own), so it is setup here.
    expect(
      (await dispatch('dataset_load', { name: 'docs', source: { path: 'docs.jsonl' } })).failure,
    ).toBeUndefined()
    const built = await heavy('search_build_index', {
      name: 'docs',
      dataset: 'docs',
      textColumns: ['title', 'body'],
      idColumn: 'id',
      storeColumns: ['title'],
    })
    expect(built.documents).toBe(100_000)
    // Fuzzy prefix terms that each match thousands of documents; the most hits allowed.
    const query = Array.from({ length: 20 }, (_, i) => `topic${i}q`).join(' ')
    const found = await heavy('search_query', { name: 'docs', query, prefix: true, fuzzy: 0.5, limit: 200 })
    expect(found.total).toBeGreaterThan(0)
  })
})

describe('graph tools', () => {
  it('add the most nodes and edges a call allows, then rank, path, components and patterns', async () => {
    await heavy('graph_create', { name: 'big' })
    // A graph of 20,000 nodes and edges, built in calls of the most a call allows.
    const rounds = 20_000 / (2 * MAX_ADD)
    for (let round = 0; round < rounds; round++) {
      const base = round * MAX_ADD
      await heavy('graph_add', {
        name: 'big',
        nodes: Array.from({ length: MAX_ADD }, (_, i) => ({
          id: `n${base + i}`,
          attributes: { group: i % 7 },
        })),
        edges: Array.from({ length: MAX_ADD }, (_, i) => ({
          source: `n${base + i}`,
          target: `n${(base + i * 7919 + 1) % (base + MAX_ADD)}`,
          attributes: { weight: (i % 13) + 1 },
        })),
      })
    }
    await heavy('graph_pagerank', { name: 'big', weighted: true, limit: 1000 })
    await heavy('graph_shortest_path', {
      name: 'big',
      source: 'n0',
      target: `n${rounds * MAX_ADD - 1}`,
      weighted: true,
    })
    expect((await heavy('graph_components', { name: 'big', limit: 1000 })).count).toBeGreaterThan(0)
    await heavy('graph_find_nodes', { name: 'big', where: { group: 3 }, minDegree: 1, limit: 1000 })
    await heavy('graph_neighbors', { name: 'big', node: 'n1', limit: 1000 })
  })

  it('export and import the largest graph a call carries', async () => {
    const half = MAX_EXPORT_ELEMENTS / 2
    await heavy('graph_create', { name: 'wide' })
    for (let from = 0; from < half; from += MAX_ADD) {
      const length = Math.min(MAX_ADD, half - from)
      await heavy('graph_add', {
        name: 'wide',
        nodes: Array.from({ length }, (_, i) => ({ id: `v${from + i}` })),
        edges: Array.from({ length }, (_, i) => ({
          source: `v${from + i}`,
          target: `v${(from + i + 1) % half}`,
        })),
      })
    }
    const { graph } = await heavy('graph_export', { name: 'wide' })
    expect(graph.nodes.length + graph.edges.length).toBe(MAX_EXPORT_ELEMENTS)
    await heavy('graph_import', { name: 'wide-copy', graph })
    await heavy('graph_export', { name: 'big' }, 'INVALID_PARAMS')
  })
})

describe('vector tools', () => {
  it('add the most numbers a call allows to a wide, dense index, then search with a filter', async () => {
    const dimensions = 4096
    await heavy('vector_create_index', { name: 'wide', dimensions, m: 64, efConstruction: 1000, ef: 1000 })
    const count = Math.floor(MAX_ADD_NUMBERS / dimensions)
    for (let round = 0; round < 3; round++) {
      const vectors = Array.from({ length: count }, (_, i) => ({
        id: `v${round}-${i}`,
        vector: Array.from({ length: dimensions }, (_, d) => Math.sin((round * count + i + 1) * (d + 1))),
        metadata: { round, i },
      }))
      await heavy('vector_add', { name: 'wide', vectors })
    }
    const vector = Array.from({ length: dimensions }, (_, d) => Math.cos(d))
    await heavy('vector_search', {
      name: 'wide',
      vector,
      k: 1000,
      ef: 10_000,
      filter: { round: { gte: 1 } },
    })
  })

  it('embed and add the most text a call allows', async () => {
    await heavy('vector_create_index', { name: 'texts', dimensions: 1024 })
    const texts = Array.from({ length: 1000 }, (_, i) => ({
      id: `t${i}`,
      text: prose.slice(0, MAX_TEXT_CHARS / 1000),
    }))
    expect((await heavy('vector_add_texts', { name: 'texts', texts })).added).toBe(1000)
    await heavy('vector_search', { name: 'texts', text: prose.slice(0, 100_000), k: 1000 })
  })
})

describe('the time limit', () => {
  it('stops a task over it with TIMEOUT, keeps the loop free, and serves the next call', async () => {
    const limited = await startTestRelay({ compute: { timeoutSeconds: 0.5 } })
    const other = await connectClient(limited.url)
    try {
      const started = performance.now()
      const slow = await other.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'text_count', params: { text: oneWord } },
      })
      expect(errorMeta(slow).code).toBe('TIMEOUT')
      expect(performance.now() - started).toBeLessThan(30_000)
      // The stopped thread was replaced: the next task runs.
      const next = await other.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'text_hash', params: { text: 'abc' } },
      })
      expect((next.structuredContent as any).result.digest).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      )
    } finally {
      await other.close()
      await limited.close()
    }
  })
})

describe('cache, audit and meta-tools', () => {
  it('store and read back the largest cache value allowed', async () => {
    // As many small objects as fit: the costliest shape to parse, validate and digest.
    const value = Array.from({ length: Math.floor((MAX_VALUE_BYTES - 2) / 8) }, (_, i) => ({ k: i % 10 }))
    expect(JSON.stringify(value).length).toBeLessThanOrEqual(MAX_VALUE_BYTES)
    await heavy('cache_set', { key: 'big', value })
    expect((await heavy('cache_get', { key: 'big' })).found).toBe(true)
  })

  it('query, verify and export a long audit log', async () => {
    const { audit } = relay.components
    for (let i = 0; i < 200_000; i++) {
      // Setup, not a tool call: yield now and then so the client's connection stays served.
      if (i % 2_000 === 0) await new Promise<void>((resolve) => setImmediate(resolve))
      audit.append({
        time: i,
        tool: 'text_hash',
        sessionId: null,
        identity: null,
        paramsDigest: 'd',
        outcome: i % 2 === 0 ? 'ok' : 'INVALID_PARAMS',
        runtime: 'local',
        durationMs: 1,
      })
    }
    await heavy('audit_query', { outcome: 'ok', limit: 1000 })
    expect((await heavy('audit_verify', {})).ok).toBe(true)
    expect((await heavy('audit_export', { path: 'audit.csv', format: 'csv' })).entries).toBeGreaterThan(
      200_000,
    )
  })

  it('name lookups with a huge unknown name answer without suggestions work', async () => {
    // A name longer than any tool name is refused by its schema, before any lookup.
    await heavy('tools_get_schema', { tool: 'x'.repeat(MAX_TEXT_CHARS) }, 'INVALID_PARAMS')
    await heavy('tools_get_schema', { tool: 'x'.repeat(128) }, 'UNKNOWN_TOOL')
    await heavy('security_check_access', { tool: 'text_hash' })
  })
})
