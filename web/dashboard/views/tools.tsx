import { useEffect, useState } from 'preact/hooks'
import { CallError, callTool, type Decision } from '../api.ts'
import { json } from '../format.ts'
import { type JsonSchema, SchemaForm } from '../schema-form.tsx'
import { ErrorNote } from './tasks.tsx'

interface PublishedTool {
  name: string
  title?: string
  description: string
  inputSchema: JsonSchema
  annotations: Record<string, unknown>
  _meta?: {
    'mcpp/tool'?: {
      category: string
      runtime: string
      runtimes: string[]
      examples?: Record<string, unknown>[]
    }
  }
}

interface Catalogue {
  categories: { name: string; description: string; tools: PublishedTool[] }[]
}

let catalogue: Promise<Catalogue> | undefined

/** The catalogue from /api/tools, fetched once per page (it does not change while a relay runs). */
function loadCatalogue(): Promise<Catalogue> {
  catalogue ??= fetch('/api/tools').then((res) => {
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    return res.json() as Promise<Catalogue>
  })
  catalogue.catch(() => {
    catalogue = undefined
  })
  return catalogue
}

/** `#/tools/ipfs_cat?cid=…` opens a tool with its form filled in (the task view links CIDs so). */
function parseRoute(arg: string | undefined): { name: string | undefined; prefill: Record<string, string> } {
  if (arg === undefined) return { name: undefined, prefill: {} }
  const [name, query = ''] = arg.split('?', 2)
  return { name, prefill: Object.fromEntries(new URLSearchParams(query)) }
}

export function ToolsView({ toolName: route }: { toolName: string | undefined }) {
  const { name: toolName, prefill } = parseRoute(route)
  const [cat, setCat] = useState<Catalogue | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  useEffect(() => {
    loadCatalogue().then(setCat, (err: Error) => setProblem(err.message))
  }, [])
  if (problem !== null) return <p role="alert">The tool catalogue could not be read: {problem}</p>
  if (cat === null) return <p role="status">Loading the catalogue…</p>
  const tool = cat.categories.flatMap((c) => c.tools).find((t) => t.name === toolName)
  return (
    <div class="split">
      <div class="side">
        <ToolSearch />
        <h3>By category</h3>
        {cat.categories.map((c) => (
          <details key={c.name} open={tool?._meta?.['mcpp/tool']?.category === c.name}>
            <summary>
              {c.name} ({c.tools.length})
            </summary>
            <p class="hint">{c.description}</p>
            <ul>
              {c.tools.map((t) => (
                <li key={t.name}>
                  <a href={`#/tools/${t.name}`} aria-current={t.name === toolName ? 'page' : undefined}>
                    {t.name}
                  </a>
                </li>
              ))}
            </ul>
          </details>
        ))}
      </div>
      <div class="detail">
        {tool === undefined ? (
          <p>
            {toolName === undefined
              ? 'Pick a tool to see its schema and run it.'
              : `No tool named ${toolName}.`}
          </p>
        ) : (
          <ToolDetail key={route} tool={tool} prefill={prefill} />
        )}
      </div>
    </div>
  )
}

function ToolSearch() {
  const [query, setQuery] = useState('')
  const [results, setResults] = useState<{ name: string; description: string }[] | null>(null)
  const [error, setError] = useState<CallError | null>(null)
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault()
        if (query.trim() === '') return
        try {
          const { result } = await callTool<{ results: { name: string; description: string }[] }>(
            'tools_search',
            {
              query,
              limit: 15,
            },
          )
          setResults(result.results)
          setError(null)
        } catch (err) {
          setError(err as CallError)
        }
      }}
    >
      <label for="tool-search">Search tools (same ranking as tools_search)</label>
      <input id="tool-search" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      <button type="submit">Search</button>
      {error !== null && <ErrorNote error={error} />}
      {results !== null && (
        <ul id="search-results" aria-label="Search results">
          {results.length === 0 && <li>No tool matches.</li>}
          {results.map((r) => (
            <li key={r.name}>
              <a href={`#/tools/${r.name}`}>{r.name}</a> — {r.description.split('\n', 1)[0]}
            </li>
          ))}
        </ul>
      )}
    </form>
  )
}

function ToolDetail({ tool, prefill }: { tool: PublishedTool; prefill: Record<string, string> }) {
  const meta = tool._meta?.['mcpp/tool']
  const example = meta?.examples?.[0]
  const seed = Object.keys(prefill).length > 0 ? prefill : example
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<
    { ok: true; result: unknown; decision: Decision } | { ok: false; error: CallError } | null
  >(null)
  const readOnly = tool.annotations.readOnlyHint === true
  return (
    <section aria-labelledby="tool-heading">
      <h3 id="tool-heading">{tool.name}</h3>
      <p>{tool.description}</p>
      <p class="hint">
        Category {meta?.category}; runs on {meta?.runtimes.join(', ')};{' '}
        {readOnly ? 'read-only (open on loopback).' : 'an action (needs the token when the relay has one).'}
      </p>
      <details>
        <summary>Input schema</summary>
        <pre>{json(tool.inputSchema)}</pre>
      </details>
      {example !== undefined && (
        <details>
          <summary>Example</summary>
          <pre>{json({ tool: tool.name, params: example })}</pre>
        </details>
      )}
      <h4>Run it</h4>
      <SchemaForm
        schema={tool.inputSchema}
        example={seed}
        busy={busy}
        onRun={async (params) => {
          setBusy(true)
          try {
            const { result, decision } = await callTool(tool.name, params)
            setOutcome({ ok: true, result, decision })
          } catch (err) {
            setOutcome({
              ok: false,
              error: err instanceof CallError ? err : new CallError('INTERNAL', String(err), 0),
            })
          } finally {
            setBusy(false)
          }
        }}
      />
      <div id="tool-outcome" aria-live="polite">
        {outcome?.ok === true && (
          <>
            <h4>Result</h4>
            <p id="tool-decision">
              Ran on <strong>{outcome.decision.runtime}</strong>
              {outcome.decision.verification
                ? `; checked: ${outcome.decision.verification.trust}${outcome.decision.verification.verified ? ', verified' : ''}`
                : ''}
            </p>
            <pre id="tool-result">{json(outcome.result)}</pre>
          </>
        )}
        {outcome?.ok === false && (
          <>
            <ErrorNote error={outcome.error} />
            {outcome.error.details !== undefined && <pre>{json(outcome.error.details)}</pre>}
          </>
        )}
      </div>
    </section>
  )
}
