import { useEffect, useState } from 'preact/hooks'
import { CallError, callTool } from './api.ts'
import type { LiveFeed, LiveState } from './live.ts'

/** The feed's latest state; re-renders on each snapshot. */
export function useLive(feed: LiveFeed): LiveState {
  const [state, setState] = useState(feed.state)
  useEffect(() => feed.subscribe(setState), [feed])
  return state
}

/** The hash route: `#/tasks/abc` is `['tasks', 'abc']`. */
export function useRoute(): [string, string | undefined] {
  const read = (): [string, string | undefined] => {
    const [view = 'overview', ...rest] = location.hash.replace(/^#\/?/, '').split('/')
    return [view === '' ? 'overview' : view, rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined]
  }
  const [route, setRoute] = useState(read)
  useEffect(() => {
    const changed = () => setRoute(read())
    addEventListener('hashchange', changed)
    return () => removeEventListener('hashchange', changed)
  }, [])
  return route
}

export type Loaded<T> =
  | { state: 'loading'; data?: T }
  | { state: 'ok'; data: T }
  | { state: 'error'; error: CallError; data?: T }

/**
 * A read-only tool's result, fetched again whenever `key` changes (filters, paging, or
 * a change in the live snapshot). The previous data stays shown while the next loads.
 */
export function useToolResult<T>(
  tool: string,
  params: Record<string, unknown> | null,
  key: string,
): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' })
  useEffect(() => {
    if (params === null) return
    const abort = new AbortController()
    callTool<T>(tool, params, abort.signal).then(
      ({ result }) => setLoaded({ state: 'ok', data: result }),
      (err: unknown) => {
        if (abort.signal.aborted) return
        const error = err instanceof CallError ? err : new CallError('UNAVAILABLE', (err as Error).message, 0)
        setLoaded((prev) => ({
          state: 'error',
          error,
          ...(prev.data === undefined ? {} : { data: prev.data }),
        }))
      },
    )
    return () => abort.abort()
  }, [tool, key])
  return loaded
}
