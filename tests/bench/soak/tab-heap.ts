import type { Cdp } from './cdp.ts'

interface TargetInfo {
  targetId: string
  type: string
  url: string
  /** For a Web Worker: the main frame (= page target id) of the tab that started it, nested workers included. */
  parentFrameId?: string
}

/**
 * The JS heap in use of each contribute tab after a forced GC, keyed by the page's
 * target id. A tab is its page plus its Web Workers: the libp2p node runs in a worker
 * (worker/browser/worker-entry.ts) and tasks in nested compute workers, so the page's
 * own heap alone would miss where a tab's state lives. Collecting garbage first makes
 * a slope over these samples measure what is kept, not what is waiting to be freed.
 */
export async function tabHeaps(cdp: Cdp, urlPart = '/contribute'): Promise<Map<string, number>> {
  const { targetInfos } = await cdp.send<{ targetInfos: TargetInfo[] }>('Target.getTargets')
  const heaps = new Map<string, number>()
  for (const page of targetInfos.filter((t) => t.type === 'page' && t.url.includes(urlPart))) {
    const workers = targetInfos.filter((t) => t.type === 'worker' && t.parentFrameId === page.targetId)
    let used = await heapOf(cdp, page.targetId)
    for (const worker of workers) used += (await heapOf(cdp, worker.targetId).catch(gone)) ?? 0
    heaps.set(page.targetId, used)
  }
  return heaps
}

/** A compute worker may end between listing and attaching: it holds no heap any more. */
function gone(err: Error): undefined {
  if (/no target|not found/i.test(err.message)) return undefined
  throw err
}

async function heapOf(cdp: Cdp, targetId: string): Promise<number> {
  const { sessionId } = await cdp.send<{ sessionId: string }>('Target.attachToTarget', {
    targetId,
    flatten: true,
  })
  try {
    await cdp.send('HeapProfiler.collectGarbage', {}, sessionId)
    const { usedSize } = await cdp.send<{ usedSize: number }>('Runtime.getHeapUsage', {}, sessionId)
    return usedSize
  } finally {
    await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => {})
  }
}
