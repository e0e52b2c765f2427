/**
 * "The machine seems idle", as well as a page can tell:
 *
 * - the Idle Detection API (Chromium; needs the user's permission, asked when the box is
 *   ticked): idle when the user has not touched keyboard or mouse anywhere for 60 s, or
 *   the screen is locked. This is the real, machine-wide signal.
 * - otherwise, no keyboard, pointer, wheel or touch input in this tab for 60 s. The tab
 *   cannot see other windows, so this only says that nobody is using this page; the page
 *   says which signal is in use.
 *
 * A timer-lag heuristic was rejected: the tab's own compute contexts load the machine
 * too, so it would pause itself for the load it makes.
 */
export const IDLE_AFTER_MS = 60_000

export type IdleSource = 'idle-detection' | 'this-tab-input'

interface IdleDetectorLike extends EventTarget {
  userState: 'active' | 'idle' | null
  screenState: 'locked' | 'unlocked' | null
  start(options: { threshold: number; signal: AbortSignal }): Promise<void>
}
interface IdleDetectorClass {
  new (): IdleDetectorLike
  requestPermission(): Promise<'granted' | 'denied'>
}

export interface IdleSignal {
  source: IdleSource
  idle(): boolean
  stop(): void
}

/** Starts watching; `onChange` is called when the answer may have changed. Call from a user gesture. */
export async function watchIdle(onChange: () => void): Promise<IdleSignal> {
  const Detector = (globalThis as { IdleDetector?: IdleDetectorClass }).IdleDetector
  if (Detector) {
    try {
      if ((await Detector.requestPermission()) === 'granted') {
        const controller = new AbortController()
        const detector = new Detector()
        detector.addEventListener('change', onChange)
        await detector.start({ threshold: IDLE_AFTER_MS, signal: controller.signal })
        return {
          source: 'idle-detection',
          idle: () => detector.userState === 'idle' || detector.screenState === 'locked',
          stop: () => controller.abort(),
        }
      }
    } catch {
      // Not allowed here (an insecure origin, a policy): the tab's own input instead.
    }
  }
  return watchTabInput(onChange)
}

function watchTabInput(onChange: () => void): IdleSignal {
  let lastInput = performance.now()
  let idle = false
  const events = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const
  const onInput = () => {
    lastInput = performance.now()
    if (idle) {
      idle = false
      onChange()
    }
  }
  for (const e of events) addEventListener(e, onInput, { passive: true, capture: true })
  const timer = setInterval(() => {
    if (!idle && performance.now() - lastInput >= IDLE_AFTER_MS) {
      idle = true
      onChange()
    }
  }, 1000)
  return {
    source: 'this-tab-input',
    idle: () => idle,
    stop: () => {
      clearInterval(timer)
      for (const e of events) removeEventListener(e, onInput, { capture: true })
    },
  }
}
