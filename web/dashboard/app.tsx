import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { getToken, setToken } from './api.ts'
import { useLive, useRoute } from './hooks.ts'
import type { LiveFeed, LiveState } from './live.ts'
import { AuditView } from './views/audit.tsx'
import { OverviewView } from './views/overview.tsx'
import { TasksView } from './views/tasks.tsx'
import { ToolsView } from './views/tools.tsx'
import { WorkersView } from './views/workers.tsx'
import { WorkflowsView } from './views/workflows.tsx'

const VIEWS = [
  { id: 'overview', label: 'Overview' },
  { id: 'workers', label: 'Workers' },
  { id: 'tasks', label: 'Tasks' },
  { id: 'workflows', label: 'Workflows' },
  { id: 'tools', label: 'Tools' },
  { id: 'audit', label: 'Audit' },
] as const

export function App({ feed }: { feed: LiveFeed }) {
  const live = useLive(feed)
  const [view, arg] = useRoute()
  const label = VIEWS.find((v) => v.id === view)?.label ?? 'Not found'
  return (
    <>
      <header class="top">
        <h1>MCP++ relay</h1>
        <LinkStatus live={live} />
      </header>
      <nav aria-label="Dashboard views">
        <ul>
          {VIEWS.map((v) => (
            <li key={v.id}>
              <a href={`#/${v.id}`} aria-current={view === v.id ? 'page' : undefined}>
                {v.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" data-view={view}>
        <h2>{label}</h2>
        {render(view, arg, live)}
      </main>
      <footer>
        <TokenPanel tokenRequired={live.snapshot?.tokenRequired} onChange={() => feed.start()} />
      </footer>
    </>
  )
}

function render(view: string, arg: string | undefined, live: LiveState): ComponentChildren {
  switch (view) {
    case 'overview':
      return <OverviewView live={live} />
    case 'workers':
      return <WorkersView live={live} />
    case 'tasks':
      return <TasksView live={live} taskId={arg} />
    case 'workflows':
      return <WorkflowsView live={live} workflowId={arg} />
    case 'tools':
      return <ToolsView toolName={arg} />
    case 'audit':
      return <AuditView />
    default:
      return <p>No view named “{view}”. Pick one above.</p>
  }
}

function LinkStatus({ live }: { live: LiveState }) {
  const text =
    live.link === 'live'
      ? 'Live'
      : live.link === 'connecting'
        ? 'Connecting…'
        : `Disconnected: ${live.problem ?? 'no answer'}; retrying`
  return (
    <p class="link" data-link={live.link} role="status">
      {text}
    </p>
  )
}

function TokenPanel({
  tokenRequired,
  onChange,
}: {
  tokenRequired: boolean | undefined
  onChange: () => void
}) {
  const [draft, setDraft] = useState(getToken())
  const [saved, setSaved] = useState(getToken() !== '')
  const explain =
    tokenRequired === false
      ? 'This relay has no token: anyone who can reach it may read this page and take every action. Start it with --token (or MCPP_TOKEN) to require one.'
      : 'This relay has a token. Reading is open only from this machine (loopback); every action (cancel, resubmit, priority, running a tool that changes anything) needs the token, and from another machine so does reading.'
  return (
    <section aria-labelledby="token-heading" class="token">
      <h2 id="token-heading">Token</h2>
      <p>{explain}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          setToken(draft.trim())
          setSaved(draft.trim() !== '')
          onChange()
        }}
      >
        <label for="token">Relay token (kept in this tab only)</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
        />
        <button type="submit">Use token</button>
        <span role="status">{saved ? 'A token is set for this tab.' : 'No token set.'}</span>
      </form>
    </section>
  )
}
