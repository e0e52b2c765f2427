/** The dashboard's calls: `POST /api/call` runs a tool as MCP `tools_dispatch` does. */

const TOKEN_KEY = 'mcpp-dashboard-token'

/** The relay token the operator typed in; kept for this tab only (sessionStorage). */
export function getToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? ''
}

export function setToken(token: string): void {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY)
  else sessionStorage.setItem(TOKEN_KEY, token)
}

export function authHeaders(): Record<string, string> {
  const token = getToken()
  return token === '' ? {} : { authorization: `Bearer ${token}` }
}

export interface Decision {
  tool: string
  category: string
  runtime: string
  verification?: { trust: string; verified: boolean; workers: string[] }
}

/** A refused or failed call: the relay's stable code, its message and details. */
export class CallError extends Error {
  readonly code: string
  readonly status: number
  readonly details: Record<string, unknown> | undefined

  constructor(code: string, message: string, status: number, details?: Record<string, unknown>) {
    super(message)
    this.code = code
    this.status = status
    this.details = details
  }
}

export async function callTool<T = Record<string, unknown>>(
  tool: string,
  params: Record<string, unknown> = {},
  signal?: AbortSignal,
): Promise<{ result: T; decision: Decision }> {
  const res = await fetch('/api/call', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders() },
    body: JSON.stringify({ tool, params }),
    ...(signal === undefined ? {} : { signal }),
  })
  const body = (await res.json().catch(() => null)) as
    | { result: T; decision: Decision }
    | { error: { code: string; message: string; details?: Record<string, unknown> } }
    | null
  if (res.ok && body !== null && 'result' in body) return body
  const error = body !== null && 'error' in body ? body.error : undefined
  throw new CallError(
    error?.code ?? 'INTERNAL',
    error?.message ?? `HTTP ${res.status}`,
    res.status,
    error?.details,
  )
}
