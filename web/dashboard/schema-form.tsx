import type { JSX } from 'preact'
import { useState } from 'preact/hooks'

/** The JSON Schema subset the relay publishes for tool inputs (zod's toJSONSchema). */
export interface JsonSchema {
  type?: string | string[]
  description?: string
  enum?: unknown[]
  default?: unknown
  minimum?: number
  maximum?: number
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  anyOf?: JsonSchema[]
}

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json'

function kindOf(schema: JsonSchema): Kind {
  if (schema.enum !== undefined) return 'enum'
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type
  if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') return type
  return 'json'
}

/** Turns the fields the user filled in into params; an empty optional field is left out. */
function paramsOf(schema: JsonSchema, values: Record<string, string | boolean>): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const value = values[name]
    if (value === undefined || value === '') continue
    const kind = kindOf(field)
    if (kind === 'boolean') params[name] = value
    else if (kind === 'number' || kind === 'integer') params[name] = Number(value)
    else if (kind === 'json') {
      try {
        params[name] = JSON.parse(String(value))
      } catch {
        throw new Error(`${name}: not valid JSON`)
      }
    } else if (kind === 'enum') params[name] = field.enum?.find((option) => String(option) === value) ?? value
    else params[name] = value
  }
  return params
}

/**
 * A form generated from a tool's input schema: a field per parameter, typed by the
 * schema (text, number, checkbox, choice, or JSON for arrays and objects). The relay
 * validates what is sent; the form only shapes it.
 */
export function SchemaForm({
  schema,
  example,
  onRun,
  busy,
}: {
  schema: JsonSchema
  example: Record<string, unknown> | undefined
  onRun: (params: Record<string, unknown>) => void
  busy: boolean
}) {
  const initial = () => {
    const values: Record<string, string | boolean> = {}
    for (const [name, field] of Object.entries(schema.properties ?? {})) {
      const kind = kindOf(field)
      const seed = example?.[name] ?? field.default
      if (kind === 'boolean') values[name] = seed === true
      else if (seed !== undefined) values[name] = kind === 'json' ? JSON.stringify(seed) : String(seed)
    }
    return values
  }
  const [values, setValues] = useState(initial)
  const [problem, setProblem] = useState<string | null>(null)
  const required = new Set(schema.required ?? [])
  const fields = Object.entries(schema.properties ?? {})
  const set = (name: string, value: string | boolean) => setValues({ ...values, [name]: value })
  return (
    <form
      class="tool-form"
      onSubmit={(e) => {
        e.preventDefault()
        try {
          setProblem(null)
          onRun(paramsOf(schema, values))
        } catch (err) {
          setProblem((err as Error).message)
        }
      }}
    >
      {fields.length === 0 && <p>This tool takes no parameters.</p>}
      {fields.map(([name, field]) => {
        const id = `param-${name}`
        const kind = kindOf(field)
        const hint = `${field.description ?? ''}${field.default === undefined ? '' : ` (default ${JSON.stringify(field.default)})`}`
        const label = (
          <label for={id}>
            {name}
            {required.has(name) ? ' (required)' : ''}
          </label>
        )
        const describedBy = hint === '' ? undefined : `${id}-hint`
        let input: JSX.Element
        if (kind === 'boolean') {
          input = (
            <input
              id={id}
              type="checkbox"
              checked={values[name] === true}
              onChange={(e) => set(name, e.currentTarget.checked)}
              aria-describedby={describedBy}
            />
          )
        } else if (kind === 'enum') {
          input = (
            <select
              id={id}
              value={String(values[name] ?? '')}
              onChange={(e) => set(name, e.currentTarget.value)}
            >
              {!required.has(name) && <option value="">(not set)</option>}
              {(field.enum ?? []).map((option) => (
                <option key={String(option)} value={String(option)}>
                  {String(option)}
                </option>
              ))}
            </select>
          )
        } else if (kind === 'json') {
          input = (
            <textarea
              id={id}
              rows={3}
              value={String(values[name] ?? '')}
              placeholder="JSON"
              onInput={(e) => set(name, e.currentTarget.value)}
              aria-describedby={describedBy}
            />
          )
        } else if (kind === 'string') {
          input = (
            <input
              id={id}
              type="text"
              value={String(values[name] ?? '')}
              onInput={(e) => set(name, e.currentTarget.value)}
              aria-describedby={describedBy}
            />
          )
        } else {
          input = (
            <input
              id={id}
              type="number"
              step={kind === 'integer' ? 1 : 'any'}
              value={String(values[name] ?? '')}
              onInput={(e) => set(name, e.currentTarget.value)}
              aria-describedby={describedBy}
            />
          )
        }
        return (
          <div class="field" key={name}>
            {label}
            {input}
            {describedBy !== undefined && (
              <small id={describedBy} class="hint">
                {hint}
              </small>
            )}
          </div>
        )
      })}
      {problem !== null && (
        <p role="alert" class="bad">
          {problem}
        </p>
      )}
      <button type="submit" id="run-tool" disabled={busy}>
        {busy ? 'Running…' : 'Run tool'}
      </button>
    </form>
  )
}
