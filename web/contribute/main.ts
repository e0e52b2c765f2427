/**
 * The contribute page: starts the task worker in a dedicated Web Worker and shows what
 * it does; its cost controls reach the running worker at once (comlink `configure`).
 * All libp2p and task work happens in the worker; the page renders and remembers.
 */
import * as Comlink from 'comlink'
import type { BrowserWorkerApi, LiveSettings } from '../../worker/browser/worker-entry.ts'
import { type CostSettings, pauseReasons } from '../../worker/core/cost-controls.ts'
import { describeConnection, shortRelay } from '../../worker/core/relay-address.ts'
import type { WorkerEvent, WorkerStats } from '../../worker/core/worker-events.ts'
import { currentText } from './describe.ts'
import { type IdleSignal, watchIdle } from './idle-signal.ts'
import * as tab from './tab-store.ts'

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const toggle = $<HTMLButtonElement>('toggle')
const bar = $<HTMLProgressElement>('progress')
const inputs = {
  concurrency: $<HTMLInputElement>('concurrency'),
  cpuCap: $<HTMLInputElement>('cpu-cap'),
  onlyVisible: $<HTMLInputElement>('only-visible'),
  onlyIdle: $<HTMLInputElement>('only-idle'),
}

let settings: CostSettings = tab.loadSettings()
let idle: IdleSignal | undefined
let worker: Worker | undefined
let api: Comlink.Remote<BrowserWorkerApi> | undefined
let peerId: string | undefined
/** Counts of earlier Start…Stop runs in this page, and all-time counts before this page. */
let earlier = { done: 0, failed: 0 }
let allTimeBefore = { done: 0, failed: 0 }
let lastStats: WorkerStats | undefined
let lastTaskId: string | undefined
let countdown: ReturnType<typeof setInterval> | undefined
const keySlot = tab.claimKeySlot()

const reasons = () =>
  pauseReasons(settings, { visible: document.visibilityState === 'visible', idle: idle?.idle() ?? false })

function showSettings(): void {
  inputs.concurrency.value = String(settings.concurrency)
  inputs.cpuCap.value = String(settings.cpuCap)
  $('cpu-cap-value').textContent = `${settings.cpuCap}%`
  inputs.onlyVisible.checked = settings.onlyVisible
  inputs.onlyIdle.checked = settings.onlyIdle
}

/** Applies the settings and conditions to the running worker (no restart) and remembers them. */
function apply(change: LiveSettings = {}): void {
  tab.saveSettings(settings)
  showSettings()
  void keySlot.then((slot) => {
    const saved = tab.loadKey(slot)
    if (saved && peerId === undefined) showPeer(saved.peerId)
  })
  void api?.configure({ ...change, paused: reasons().length > 0 })
}

function showLink(event: Extract<WorkerEvent, { type: 'state' }>): void {
  clearInterval(countdown)
  const link = $('link')
  if (event.state !== 'disconnected') {
    link.hidden = true
    return
  }
  const retryAt = performance.now() + (event.retryInMs ?? 0)
  const paint = () => {
    const s = Math.max(0, Math.ceil((retryAt - performance.now()) / 1000))
    link.textContent = `Link to the relay lost: ${event.error ?? 'unknown reason'}. ${s > 0 ? `Retrying in ${s} s.` : 'Retrying now…'}`
  }
  link.hidden = false
  paint()
  countdown = setInterval(paint, 250)
}

/** The connection state, and whether the tab takes work. */
function showState(): void {
  const state = $('state').dataset.state ?? 'idle'
  $('state').textContent = state === 'connected' && lastStats?.paused ? 'connected, paused' : state
}

function showCounts(stats: WorkerStats | undefined): void {
  const session = { done: earlier.done + (stats?.done ?? 0), failed: earlier.failed + (stats?.failed ?? 0) }
  const total = { done: allTimeBefore.done + session.done, failed: allTimeBefore.failed + session.failed }
  $('done').textContent = String(session.done)
  $('failed').textContent = String(session.failed)
  $('total-done').textContent = String(total.done)
  $('total-failed').textContent = String(total.failed)
  if (peerId !== undefined) tab.saveTotals(peerId, total)
}

function render(event: WorkerEvent): void {
  switch (event.type) {
    case 'state': {
      $('state').dataset.state = event.state
      showState()
      // The worker may move to another member relay when its relay goes away (issue 11).
      if (event.relay) {
        const how = describeConnection(event.relay)
        $('relay').textContent = shortRelay(event.relay)
        $('relay').title = event.relay
        $('link-kind').textContent =
          `(${how.path} ${how.transport === 'unknown' ? '' : how.transport} connection)`
      }
      showLink(event)
      $('error').textContent = event.state === 'disconnected' ? '' : (event.error ?? '')
      return
    }
    case 'stats': {
      const stats = event.stats
      lastStats = stats
      showState()
      showCounts(stats)
      $('current').textContent = currentText(stats, reasons())
      $('running').textContent = String(stats.inFlight.filter((t) => t.started).length)
      const task = stats.inFlight.find((t) => t.started)
      if (task?.total) {
        bar.max = task.total
        bar.value = task.progress ?? 0
      } else if (task && task.taskId === lastTaskId) {
        // A task without progress reports still in hand a snapshot later: show that work
        // goes on. Short tasks never animate the bar (that would cost more than they do).
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

function setRunning(running: boolean): void {
  toggle.textContent = running ? 'Stop' : 'Start'
  toggle.dataset.running = String(running)
  toggle.disabled = false
}

async function start(): Promise<void> {
  toggle.disabled = true
  $('error').textContent = ''
  const slot = await keySlot
  worker = new Worker(new URL('../../worker/browser/worker-entry.ts', import.meta.url), { type: 'module' })
  api = Comlink.wrap<BrowserWorkerApi>(worker)
  const saved = tab.loadKey(slot)
  try {
    const started = await api.start(
      {
        relay: location.origin,
        concurrency: settings.concurrency,
        cpuCap: settings.cpuCap,
        paused: reasons().length > 0,
        name: 'browser tab',
        ...(joinToken === undefined ? {} : { joinToken }),
        ...(saved === undefined ? {} : { privateKey: saved.key }),
      },
      Comlink.proxy(render),
    )
    tab.saveKey(slot, { key: started.privateKey, peerId: started.peerId })
    showPeer(started.peerId)
    setRunning(true)
    // Stats otherwise come with task activity: show the state it started in (paused or not).
    const stats = await api.stats()
    if (stats) render({ type: 'stats', stats })
  } catch (err) {
    $('error').textContent = `could not start: ${(err as Error).message}`
    worker.terminate()
    api = undefined
    setRunning(false)
  }
}

/** This tab's PeerId and its all-time counts (shown before Start when the tab has a saved key). */
function showPeer(id: string): void {
  if (peerId !== id) {
    peerId = id
    allTimeBefore = tab.loadTotals(id)
    earlier = { done: 0, failed: 0 }
  }
  $('peer').textContent = `${id.slice(0, 6)}…${id.slice(-6)}`
  $('peer').title = id
  showCounts(lastStats)
}

async function stop(): Promise<void> {
  toggle.disabled = true
  await api?.stop(true)
  worker?.terminate()
  api = undefined
  earlier = { done: earlier.done + (lastStats?.done ?? 0), failed: earlier.failed + (lastStats?.failed ?? 0) }
  lastStats = undefined
  render({ type: 'state', state: 'stopped' })
  setRunning(false)
}

toggle.addEventListener('click', () => void (toggle.dataset.running === 'true' ? stop() : start()))

inputs.concurrency.addEventListener('change', () => {
  const n = Math.round(Number(inputs.concurrency.value))
  settings = { ...settings, concurrency: Number.isFinite(n) ? Math.min(16, Math.max(1, n)) : 1 }
  apply({ concurrency: settings.concurrency })
})
inputs.cpuCap.addEventListener('input', () => {
  settings = { ...settings, cpuCap: Number(inputs.cpuCap.value) }
  apply({ cpuCap: settings.cpuCap })
})
inputs.onlyVisible.addEventListener('change', () => {
  settings = { ...settings, onlyVisible: inputs.onlyVisible.checked }
  apply()
})
inputs.onlyIdle.addEventListener('change', async () => {
  settings = { ...settings, onlyIdle: inputs.onlyIdle.checked }
  if (settings.onlyIdle) await startIdleWatch()
  else {
    idle?.stop()
    idle = undefined
  }
  apply()
})
document.addEventListener('visibilitychange', () => apply())

async function startIdleWatch(): Promise<void> {
  idle ??= await watchIdle(() => apply())
  $('idle-note').textContent =
    idle.source === 'idle-detection'
      ? 'Idle means no keyboard or mouse use anywhere on this machine for 60 s, or a locked screen (browser idle detection).'
      : 'Idle detection is not allowed here, so idle means no keyboard or mouse use in this tab for 60 s; the tab cannot see other windows.'
}

showSettings()
void keySlot.then((slot) => {
  const saved = tab.loadKey(slot)
  if (saved && peerId === undefined) showPeer(saved.peerId)
})
// A remembered "only while idle" needs the watcher again (permission, if granted, is remembered too).
if (settings.onlyIdle) void startIdleWatch()
