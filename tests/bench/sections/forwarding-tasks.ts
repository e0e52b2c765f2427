import type { Client } from '@modelcontextprotocol/client'

const PAGE = 500

export async function dispatch(client: Client, tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await client.callTool(
    { name: 'tools_dispatch', arguments: { tool, params } },
    {
      timeout: 120_000,
    },
  )
  if (result.isError) throw new Error(`${tool}: ${JSON.stringify(result.content)}`)
  return (result.structuredContent as any).result
}

/**
 * One echo task through MCP with wait, as the p2p section's submit→result row. Fails
 * unless it succeeded on the worker `workerPeerId`; returns its id on the relay that owns it.
 */
export async function submitEcho(
  client: Client,
  workerPeerId: string,
  input: number,
  tag: string,
): Promise<string> {
  const out = await dispatch(client, 'p2p_taskqueue_submit', { kind: 'echo', input, tags: [tag], wait: true })
  const [result] = out.results
  if (result.state !== 'succeeded') throw new Error(`task failed: ${JSON.stringify(result)}`)
  if (!result.verification.workers.includes(workerPeerId))
    throw new Error(`task ran on ${result.verification.workers}, not on the Node worker on A`)
  return result.id
}

/** A task's times on its relay's clock (ms since the epoch). */
export interface TaskTimes {
  createdAt: number
  finishedAt: number
}

/** Every task `filter` lists on the relay `client` is connected to, paged. */
async function listAll(client: Client, filter: Record<string, unknown>): Promise<any[]> {
  const tasks: any[] = []
  for (let offset = 0; ; offset += PAGE) {
    const page = await dispatch(client, 'p2p_taskqueue_list_tasks', { ...filter, limit: PAGE, offset })
    tasks.push(...page.tasks)
    if (offset + PAGE >= page.total) return tasks
  }
}

/**
 * The proof that B's tasks were forwarded: each of `ids` (B's task ids) must be in
 * A's queue as a task accepted from B (`metadata.forwardedFrom`, `metadata.remoteId`,
 * written by A's forwarding service) that succeeded there. Anything else throws, so a
 * run that stayed on B cannot be reported as cross-relay. Returns, per id, B's and
 * A's times of the task.
 */
export async function forwardedTimes(
  onA: Client,
  onB: Client,
  bPeerId: string,
  tag: string,
  ids: readonly string[],
): Promise<Array<{ b: TaskTimes; a: TaskTimes }>> {
  const onBById = new Map((await listAll(onB, { tag })).map((t) => [t.id as string, t as TaskTimes]))
  const onAByRemote = new Map<string, TaskTimes>()
  for (const t of await listAll(onA, { kind: 'echo', states: ['succeeded'] })) {
    if (t.metadata.forwardedFrom === bPeerId) onAByRemote.set(t.metadata.remoteId, t)
  }
  const missing = ids.filter((id) => !onAByRemote.has(id) || !onBById.has(id))
  if (missing.length > 0)
    throw new Error(
      `"${tag}": ${missing.length} of ${ids.length} tasks submitted to B did not run as tasks forwarded to A (first: ${missing[0]})`,
    )
  return ids.map((id) => ({ b: onBById.get(id) as TaskTimes, a: onAByRemote.get(id) as TaskTimes }))
}
