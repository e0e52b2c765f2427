import { join } from 'node:path'
import type { CallToolResult, Client } from '@modelcontextprotocol/client'
import { TaskStore } from '../relay/task-queue/store/task-store.ts'
import type { AssignedTask } from '../shared/wire/task-messages.ts'
import { type FakeWorker, fakeWorker } from './fake-worker.ts'
import { connectClient } from './helpers.ts'
import { type LinkProxy, linkProxy } from './link-proxy.ts'
import { type Identity, identity } from './relay-identity.ts'
import { exited, freePort, type RelayProcess, spawnRelay } from './relay-process.ts'

/** Short, so that a test sees leases run out; the tick that renews them runs every 250 ms. */
export const LEASE_SECONDS = 2
/** Waits on one observable condition; generous, for a loaded machine. */
export const WAIT = { timeout: 30_000, interval: 100 }
export const STALE = 'mcpp_forward_refused_total{reason="stale"}'
export const SUCCEEDED = 'mcpp_tasks_finished_total{kind="job",state="succeeded"}'

/**
 * One relay of a two-relay network run as a child process (`relay/main.ts`), with a
 * fixed data directory, identity and ports, so it can be killed with kill -9 and
 * started again as the same relay. The other relay reaches it only through `proxy`.
 */
export interface NetRelay {
  readonly name: string
  readonly id: Identity
  readonly proxy: LinkProxy
  /** The HTTP base URL; the same across restarts. */
  readonly url: string
  /** The relay's own libp2p address, past the proxy: where test workers dial it. */
  readonly direct: string
  start(): Promise<void>
  /** kill -9, and waits until the process is gone. */
  kill(): Promise<void>
  /** SIGTERM, and waits until the process is gone. */
  stop(): Promise<void>
  /** Calls a tool through `tools_dispatch` and returns its result; a tool error throws. */
  call(tool: string, params: Record<string, unknown>): Promise<any>
  /** The value of one series of `/metrics`, 0 when it is absent. */
  metric(series: string): Promise<number>
}

export interface RelayNet {
  a: NetRelay
  b: NetRelay
  /** Partition: every connection between A and B drops, and none can be made. */
  cut(): void
  heal(): void
  close(): Promise<void>
}

/**
 * Two member relays, A and B, each listing the other as member and bootstrap peer
 * (through the other's proxy), with a short forwarding lease. Returns once both run.
 */
export async function relayNet(options: { leaseSeconds: number }): Promise<RelayNet> {
  const ids = { A: await identity(), B: await identity() }
  const proxies = { A: await linkProxy(ids.A.p2pPort), B: await linkProxy(ids.B.p2pPort) }
  const ports = { A: await freePort(), B: await freePort() }
  const make = (name: 'A' | 'B', other: 'A' | 'B') =>
    netRelay(name, ids[name], proxies[name], ports[name], [
      '--relay-members',
      ids[other].peerId,
      '--bootstrap-peers',
      proxies[other].address(ids[other].peerId),
      '--forward-lease-seconds',
      String(options.leaseSeconds),
      // The tests' kind `job` is no built-in one (whose outputs are checked); no worker on B announces it.
      '--tasks-unknown-kinds',
      'warn',
    ])
  const a = make('A', 'B')
  const b = make('B', 'A')
  await Promise.all([a.start(), b.start()])
  return {
    a,
    b,
    cut: () => {
      proxies.A.cut()
      proxies.B.cut()
    },
    heal: () => {
      proxies.A.heal()
      proxies.B.heal()
    },
    close: async () => {
      await Promise.all([a.kill(), b.kill()])
      await Promise.all([proxies.A.close(), proxies.B.close()])
    },
  }
}

function netRelay(name: string, id: Identity, proxy: LinkProxy, httpPort: number, extra: string[]): NetRelay {
  const args = [
    ...['--host', '127.0.0.1', '--port', String(httpPort), '--p2p-port', String(id.p2pPort)],
    ...['--data-dir', id.dataDir, '--log-level', 'warn', '--shutdown-grace-seconds', '1'],
    // Peers are told the proxy's address, so the other relay cannot go around it.
    ...['--p2p-announce', `/ip4/127.0.0.1/tcp/${proxy.port}/ws`],
    ...extra,
  ]
  let running: RelayProcess | undefined
  let client: Client | undefined
  const url = `http://127.0.0.1:${httpPort}`
  const end = async (signal: NodeJS.Signals) => {
    const child = running?.child
    running = undefined
    const closing = client
    client = undefined
    if (child === undefined) return
    child.kill(signal)
    await exited(child)
    await closing?.close().catch(() => {})
  }
  return {
    name,
    id,
    proxy,
    url,
    direct: id.address,
    start: async () => {
      running = await spawnRelay(args)
    },
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    call: async (tool, params) => {
      client ??= await connectClient(url)
      const result = (await client.callTool({
        name: 'tools_dispatch',
        arguments: { tool, params },
      })) as CallToolResult
      if (result.isError) throw new Error(`${tool} on ${name}: ${JSON.stringify(result.content)}`)
      return (result.structuredContent as { result: unknown }).result
    },
    metric: async (series) => {
      const text = await (await fetch(`${url}/metrics`)).text()
      const line = text.split('\n').find((l) => l.startsWith(`${series} `))
      return Number(line?.split(' ')[1] ?? 0)
    },
  }
}

/** The task kind of these tests; a worker answers `{ by, n }` for input `{ n }`. */
export const KIND = 'job'

/** A task worker the test drives: it holds what it is given until told to answer. */
export interface TestWorker {
  readonly fake: FakeWorker
  /** Every assignment it received, in order. */
  readonly assigned: AssignedTask[]
  /** Resolves with the next assignment (one already received but not yet awaited counts). */
  nextAssigned(): Promise<AssignedTask>
  /** Answers one held task with `output(input)`. */
  answer(taskId: string): Promise<void>
  /** Answers what it holds and, from now on, every assignment at once. */
  answerAll(): Promise<void>
  stop(): Promise<void>
}

/**
 * Connects a `job` worker to `relay`'s own address (past the proxy, so a cut link
 * between relays leaves it connected). It answers `{ by, n }` for input `{ n }`:
 * at once, or only when told (`hold`).
 */
export async function testWorker(
  relay: { url: string; direct?: string },
  options: { by: string; hold?: boolean; concurrency?: number },
): Promise<TestWorker> {
  const fake: FakeWorker = await fakeWorker(
    relay.url,
    relay.direct === undefined ? {} : { address: relay.direct },
  )
  const s = await fake.open()
  await s.hello({ kinds: [KIND], concurrency: options.concurrency ?? 8 })
  const assigned: AssignedTask[] = []
  const held = new Map<string, AssignedTask>()
  let holding = options.hold ?? false
  let seen = 0
  let wake: () => void = () => {}
  const answer = async (taskId: string) => {
    const task = held.get(taskId)
    if (task === undefined) throw new Error(`${taskId} is not held`)
    held.delete(taskId)
    const { n } = task.input as { n: number }
    await s.channel.send({
      type: 'results',
      results: [{ taskId, token: task.token, ok: true, output: { by: options.by, n }, durationMs: 1 }],
    })
  }
  void (async () => {
    for (;;) {
      const message = await Promise.race([s.next('assign'), s.closed.then(() => null)])
      if (message === null) return
      for (const task of message.tasks) {
        assigned.push(task)
        held.set(task.taskId, task)
        wake()
        if (!holding) await answer(task.taskId).catch(() => {})
      }
    }
  })()
  return {
    fake,
    assigned,
    answer,
    answerAll: async () => {
      holding = false
      for (const taskId of [...held.keys()]) await answer(taskId)
    },
    nextAssigned: () =>
      new Promise((resolve) => {
        const check = () => {
          const task = assigned[seen]
          if (task === undefined) {
            wake = check
            return
          }
          seen++
          wake = () => {}
          resolve(task)
        }
        check()
      }),
    stop: () => fake.stop(),
  }
}

/** Submits `count` job tasks `{ n }` to `relay`; returns their ids by n. */
export async function submitJobs(relay: NetRelay, from: number, count: number): Promise<string[]> {
  const tasks = Array.from({ length: count }, (_, i) => ({ kind: KIND, input: { n: from + i } }))
  const { tasks: submitted } = await relay.call('p2p_taskqueue_submit', { tasks })
  return submitted.map((t: { id: string }) => t.id)
}

/** How `relay` sees its link to `other` in `/api/status`: connected, redialling, or not listed. */
export async function linkState(relay: NetRelay, other: NetRelay): Promise<string | undefined> {
  const status = (await (await fetch(`${relay.url}/api/status`)).json()) as {
    relays: Array<{ peerId: string; link: { state: string } | null }>
  }
  return status.relays.find((r) => r.peerId === other.id.peerId)?.link?.state
}

/** `p2p_taskqueue_list_tasks` on `relay`, every task (up to 500). */
export async function listTasks(relay: NetRelay): Promise<any[]> {
  return (await relay.call('p2p_taskqueue_list_tasks', { limit: 500 })).tasks
}

/** Waits on `relay` for each task (`p2p_taskqueue_wait`) and returns them in order. */
export async function finished(relay: NetRelay, ids: readonly string[]): Promise<any[]> {
  const out = []
  for (const taskId of ids) {
    const { task, timedOut } = await relay.call('p2p_taskqueue_wait', { taskId, timeoutMs: 30_000 })
    if (timedOut) throw new Error(`${taskId} on ${relay.name} did not finish: ${task.state}`)
    out.push(task)
  }
  return out
}

/** The forwarded-in rows a relay left open, read from its store once it stopped. */
export function openHandOffs(dataDir: string): { open: number; outbox: number } {
  const store = new TaskStore(join(dataDir, 'tasks.db'))
  try {
    return { open: store.forwarded.open().length, outbox: store.forwarded.outbox(1000).length }
  } finally {
    store.close()
  }
}
