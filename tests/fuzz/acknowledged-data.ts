import { randomBytes } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import type { FuzzedRelay } from './fuzzed-relay.ts'
import type { JsonLike } from './json-text.ts'
import { McpWire } from './mcp-wire.ts'

/**
 * Writes the relay acknowledged before the fuzz: tasks with idempotency keys, cache
 * entries, an IPFS file, and the audit entries of those calls. Names carry a random
 * tag the generators cannot produce, so the fuzz can never legitimately touch them.
 */
export interface Acknowledged {
  tasks: Array<{ id: string; key: string; kind: string; metadata: Record<string, unknown> }>
  cache: Array<{ key: string; value: JsonLike }>
  ipfs: { cid: string; text: string }
  audit: { sessionId: string; entries: Array<{ seq: number; hash: string; tool: string }> }
}

async function ok(wire: McpWire, tool: string, params: JsonLike): Promise<any> {
  const reply = await wire.dispatch(tool, params, { timeoutMs: 30_000 })
  if (!reply.result || reply.result.isError) {
    throw new Error(`${tool} failed: ${JSON.stringify(reply).slice(0, 500)}`)
  }
  return reply.result.structuredContent.result
}

/** A session of its own, so that its audit entries are exactly the writes below. */
async function session(relay: FuzzedRelay): Promise<McpWire> {
  const wire = new McpWire(relay.url, relay.authorization)
  await wire.connect()
  return wire
}

export async function writeAcknowledged(relay: FuzzedRelay): Promise<Acknowledged> {
  const wire = await session(relay)
  try {
    return await write(wire)
  } finally {
    await wire.close()
  }
}

async function write(wire: McpWire): Promise<Acknowledged> {
  const tag = randomBytes(6).toString('hex')
  // A built-in kind (unknown ones are refused) that requires a capability no worker has: it stays queued.
  const kind = 'echo'
  const requires = [`sentinel-${tag}`]
  const tasks: Acknowledged['tasks'] = []
  for (let i = 0; i < 3; i++) {
    const key = `sentinel-${tag}-${i}`
    const metadata = { i, note: `acknowledged ${i}` }
    const out = await ok(wire, 'p2p_taskqueue_submit', {
      kind,
      requires,
      input: { i },
      idempotencyKey: key,
      metadata,
    })
    tasks.push({ id: out.tasks[0].id, key, kind, metadata })
  }
  const cache: Acknowledged['cache'] = []
  for (let i = 0; i < 3; i++) {
    const entry = { key: `sentinel/${tag}/${i}`, value: { i, text: 'é💥\u0000', list: [1, 2.5, null, true] } }
    await ok(wire, 'cache_set', entry)
    cache.push(entry)
  }
  const text = `acknowledged ipfs content ${tag}`
  const { cid } = await ok(wire, 'ipfs_add', { text })
  const sessionId = wire.session
  // audit_query flushes pending entries, so what it returns is on disk.
  const { entries } = await ok(wire, 'audit_query', { sessionId, limit: 1000 })
  return {
    tasks,
    cache,
    ipfs: { cid, text },
    audit: {
      sessionId,
      entries: entries.map((e: any) => ({ seq: e.seq, hash: e.hash, tool: e.tool })),
    },
  }
}

/** Everything that differs from what was acknowledged; empty when all of it is intact. */
export async function checkAcknowledged(relay: FuzzedRelay, acked: Acknowledged): Promise<string[]> {
  const wire = await session(relay)
  try {
    return await check(wire, acked)
  } finally {
    await wire.close()
  }
}

async function check(wire: McpWire, acked: Acknowledged): Promise<string[]> {
  const problems: string[] = []
  const attempt = async (what: string, check: () => Promise<void>) => {
    try {
      await check()
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`)
    }
  }
  for (const task of acked.tasks) {
    await attempt(`task ${task.id}`, async () => {
      const status = await ok(wire, 'p2p_taskqueue_status', { taskId: task.id })
      if (status.kind !== task.kind || status.idempotencyKey !== task.key) {
        throw new Error(`changed: ${JSON.stringify(status)}`)
      }
      if (!isDeepStrictEqual(status.metadata, task.metadata))
        throw new Error(`metadata ${JSON.stringify(status.metadata)}`)
      const again = await ok(wire, 'p2p_taskqueue_submit', { kind: task.kind, idempotencyKey: task.key })
      if (again.tasks[0].id !== task.id || again.tasks[0].created !== false) {
        throw new Error(`its idempotency key now gives ${JSON.stringify(again.tasks[0])}`)
      }
    })
  }
  for (const entry of acked.cache) {
    await attempt(`cache ${entry.key}`, async () => {
      const got = await ok(wire, 'cache_get', { key: entry.key })
      if (!got.found || !isDeepStrictEqual(got.value, entry.value))
        throw new Error(`now ${JSON.stringify(got)}`)
    })
  }
  await attempt(`ipfs ${acked.ipfs.cid}`, async () => {
    const got = await ok(wire, 'ipfs_cat', { cid: acked.ipfs.cid })
    if (got.content !== acked.ipfs.text) throw new Error(`now ${JSON.stringify(got).slice(0, 300)}`)
  })
  await attempt('audit entries', async () => {
    const { entries } = await ok(wire, 'audit_query', { sessionId: acked.audit.sessionId, limit: 1000 })
    const now = new Map<number, string>(entries.map((e: any) => [e.seq, e.hash]))
    const lost = acked.audit.entries.filter((e) => now.get(e.seq) !== e.hash)
    if (lost.length > 0) throw new Error(`missing or altered: ${JSON.stringify(lost)}`)
  })
  await attempt('audit chain', async () => {
    const verdict = await ok(wire, 'audit_verify', {})
    if (verdict.ok !== true) throw new Error(JSON.stringify(verdict))
  })
  return problems
}
