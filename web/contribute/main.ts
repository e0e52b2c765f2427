/**
 * The contribute page: starts the task worker in a dedicated Web Worker and shows what
 * it does. All libp2p and task work happens in the worker; the page only renders.
 */
import * as Comlink from 'comlink'
import type { BrowserWorkerApi } from '../../worker/browser/worker-entry.ts'
import { shortRelay } from '../../worker/core/relay-address.ts'
import type { WorkerEvent } from '../../worker/core/worker-events.ts'

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const startButton = $<HTMLButtonElement>('start')
const stopButton = $<HTMLButtonElement>('stop')
const bar = $<HTMLProgressElement>('progress')
let worker: Worker | undefined
let api: Comlink.Remote<BrowserWorkerApi> | undefined
let lastTaskId: string | undefined

function render(event: WorkerEvent): void {
  switch (event.type) {
    case 'state':
      $('state').textContent = event.state
      $('state').dataset.state = event.state
      // The worker may move to another member relay when its relay goes away (issue 11).
      if (event.relay) {
        $('relay').textContent = shortRelay(event.relay)
        $('relay').title = event.relay
      }
      $('error').textContent = event.error ?? ''
      return
    case 'stats': {
      const { done, failed, inFlight } = event.stats
      $('done').textContent = String(done)
      $('failed').textContent = String(failed)
      const task = inFlight.find((t) => t.started)
      $('current').textContent = task
        ? `${task.kind} ${task.taskId.slice(0, 8)} (+${inFlight.length - 1} held)`
        : 'none'
      if (task?.total) {
        bar.max = task.total
        bar.value = task.progress ?? 0
      } else if (task && task.taskId === lastTaskId) {
        // A task without progress reports that is still in hand a snapshot later: show
        // that work goes on. Short tasks never animate the bar (an animation costs the
        // tab more CPU than they do).
        bar.removeAttribute('value')
      } else bar.value = 0
      lastTaskId = task?.taskId
      return
    }
    default:
      return
  }
}

// A join token in the link (`/contribute?join=…`) admits this tab as a member worker on
// relays that ask for one. It is taken out of the address bar so it is not shared on.
const joinToken = new URLSearchParams(location.search).get('join') ?? undefined
if (joinToken !== undefined) history.replaceState(null, '', location.pathname)

startButton.addEventListener('click', async () => {
  startButton.disabled = true
  $('error').textContent = ''
  worker = new Worker(new URL('../../worker/browser/worker-entry.ts', import.meta.url), { type: 'module' })
  api = Comlink.wrap<BrowserWorkerApi>(worker)
  const concurrency = Math.max(1, Math.min(16, Number($<HTMLInputElement>('concurrency').value) || 1))
  try {
    await api.start(
      {
        relay: location.origin,
        concurrency,
        name: 'browser tab',
        ...(joinToken === undefined ? {} : { joinToken }),
      },
      Comlink.proxy(render),
    )
    stopButton.disabled = false
  } catch (err) {
    $('error').textContent = `could not start: ${(err as Error).message}`
    worker.terminate()
    startButton.disabled = false
  }
})

stopButton.addEventListener('click', async () => {
  stopButton.disabled = true
  await api?.stop(true)
  worker?.terminate()
  render({ type: 'state', state: 'stopped' })
  startButton.disabled = false
})
