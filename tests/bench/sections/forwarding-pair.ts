import { rmSync } from 'node:fs'
import { resolveRelay } from '../../../worker/core/relay-address.ts'
import { identity } from '../../relay-identity.ts'
import { startNodeWorker } from '../node-worker.ts'
import { type RelayChild, startRelayChild } from '../relay-child.ts'

const POLL_MS = 20

export interface ForwardingPair {
  /** The relay with the worker. */
  a: RelayChild
  /** The relay with no worker: its echo tasks can only run by being forwarded to A. */
  b: RelayChild
  aPeerId: string
  bPeerId: string
  /** The worker as A's queue records it (the task list's `workerId`). */
  workerId: string
  /** The worker's libp2p PeerId, as a result's `verification.workers` names it. */
  workerPeerId: string
  stop(): Promise<void>
}

export const relayStatus = async (relay: RelayChild): Promise<any> =>
  (await fetch(`${relay.base}/api/status`)).json()

/** Resolves once `done()` holds, asking every POLL_MS; fails after `timeoutMs`. */
async function until(done: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}

/**
 * Two member relays as `npm start` runs them, each in its own process, and the Node
 * worker on A. B bootstraps to A; each lists the other as its only member. Returns
 * once B lists A with the worker and its echo kind, so B's echo tasks have somewhere
 * to go, and B itself has no worker.
 */
export async function startForwardingPair(concurrency: number): Promise<ForwardingPair> {
  const aId = await identity()
  const bId = await identity()
  const started: Array<{ stop(): Promise<void> }> = []
  const stop = async () => {
    for (const part of started.reverse()) await part.stop()
    for (const dir of [aId.dataDir, bId.dataDir]) rmSync(dir, { recursive: true, force: true })
  }
  try {
    const a = await startRelayChild(['--relay-members', bId.peerId], { dataDir: aId.dataDir })
    started.push(a)
    const b = await startRelayChild(
      ['--relay-members', aId.peerId, '--bootstrap-peers', await resolveRelay(a.base)],
      { dataDir: bId.dataDir },
    )
    started.push(b)
    started.push(await startNodeWorker(a, concurrency, 'bench-forwarding'))
    let worker: { workerId: string; peerId: string } | undefined
    await until(
      async () => {
        ;[worker] = (await relayStatus(a)).workers
        return worker !== undefined
      },
      20_000,
      'A to list the Node worker',
    )
    await until(
      async () =>
        (await relayStatus(b)).relays.some(
          (r: any) =>
            r.peerId === aId.peerId && r.capacity.workers === 1 && r.capacity.kinds.includes('echo'),
        ),
      30_000,
      'B to list A with the worker’s echo kind',
    )
    if ((await relayStatus(b)).workers.length !== 0)
      throw new Error('B has a worker: nothing would be forwarded')
    const { workerId, peerId: workerPeerId } = worker as { workerId: string; peerId: string }
    return { a, b, aPeerId: aId.peerId, bPeerId: bId.peerId, workerId, workerPeerId, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
