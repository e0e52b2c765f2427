import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { CALL_BOUND_MS, HEALTH_BOUND_MS } from './fuzz-settings.ts'
import type { Finding, FuzzedRelay } from './fuzzed-relay.ts'
import { hostileValue, oddString } from './hostile-values.ts'
import { type JsonLike, jsonTextLength, RawJson } from './json-text.ts'
import type { RpcOutcome } from './mcp-wire.ts'
import {
  applyMutations,
  type JsonSchema,
  type Known,
  mutationArbitrary,
  paramsArbitrary,
} from './schema-params.ts'

/**
 * Tools the fuzz does not call, each with the reason. Everything else in the registry
 * is called, including destructive tools: the fuzz relay's data is its own.
 */
export const SKIPPED_TOOLS: Record<string, string> = {
  // Fetches arbitrary URLs from the internet (yt-dlp/ffmpeg); a test must not reach
  // the network, and its time would be the network's, not the relay's.
  media_download: 'needs the network',
}

/**
 * Parameters that make a tool wait by design (documented up to minutes). Generated
 * numbers for them are capped so that waiting as asked is not reported as a hang;
 * values of the wrong type still go through unchanged. Besides these, every tool's
 * `waitTimeoutMs` is capped (the convention of tools that can wait for work to end).
 */
const WAITING_PARAMS: Record<string, string[]> = {
  system_wait: ['ms'],
  p2p_taskqueue_wait: ['timeoutMs'],
}
const WAIT_PARAM = 'waitTimeoutMs'
const WAIT_CAP_MS = 1_000

/** Keeps each request under the relay's 4 MiB body limit, so inputs reach the tools. */
const MAX_PARAMS_CHARS = 3.5 * 1024 * 1024
const PROBE_EVERY_MS = 250

export interface ToolInfo {
  name: string
  inputSchema: JsonSchema
}

export interface ToolCall {
  tool: JsonLike
  /** Undefined: the `params` member is left out of the tools_dispatch arguments. */
  params: JsonLike | undefined
}

/** The written example of each tool, from the generated reference (docs/tools.md). */
export function toolExamples(): Map<string, JsonLike> {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'tools.md'), 'utf8')
  const examples = new Map<string, JsonLike>()
  for (const match of text.matchAll(/^(\{"tool":.*\})$/gm)) {
    const { tool, params } = JSON.parse(match[1] as string) as { tool: string; params: JsonLike }
    examples.set(tool, params)
  }
  return examples
}

export function toolCallArbitrary(
  tools: ToolInfo[],
  known: Known,
  examples: Map<string, JsonLike>,
): fc.Arbitrary<ToolCall> {
  const forTool = (tool: ToolInfo): fc.Arbitrary<ToolCall> => {
    const valid = paramsArbitrary(tool.inputSchema, known)
    const example = examples.get(tool.name) ?? {}
    const params = fc.oneof(
      { weight: 4, arbitrary: valid },
      {
        weight: 2,
        arbitrary: fc
          .array(mutationArbitrary, { minLength: 1, maxLength: 2 })
          .map((m) => applyMutations(example, m, tool.inputSchema)),
      },
      {
        weight: 4,
        arbitrary: fc
          .tuple(valid, fc.array(mutationArbitrary, { minLength: 1, maxLength: 3 }))
          .map(([p, m]) => applyMutations(p, m, tool.inputSchema)),
      },
    )
    return params.map((p) => ({ tool: tool.name, params: capWaits(waitingParams(tool), p) }))
  }
  const called = tools.filter((t) => !(t.name in SKIPPED_TOOLS))
  return fc.oneof(
    { weight: 30, arbitrary: fc.constantFrom(...called).chain(forTool) },
    // The tools_dispatch envelope itself: unknown or odd tool names, params missing or not an object.
    {
      weight: 1,
      arbitrary: fc.record({
        tool: fc.oneof(oddString, hostileValue, fc.constantFrom(...ODD_TOOL_NAMES)),
        params: fc.option(hostileValue, { nil: undefined }),
      }),
    },
  )
}

/** Near misses and recursion for the envelope fuzz. */
const ODD_TOOL_NAMES = ['tools_dispatch', 'no_such_tool', 'TOOLS_DISPATCH', 'system_echo ', 'system.echo', '']

function waitingParams(tool: ToolInfo): string[] {
  const names = [...(WAITING_PARAMS[tool.name] ?? [])]
  if (tool.inputSchema.properties && WAIT_PARAM in tool.inputSchema.properties) names.push(WAIT_PARAM)
  return names
}

function capWaits(names: string[], params: JsonLike): JsonLike {
  if (
    names.length === 0 ||
    params === null ||
    typeof params !== 'object' ||
    Array.isArray(params) ||
    params instanceof RawJson
  ) {
    return params
  }
  const out = { ...params }
  for (const name of names) {
    const v = out[name]
    // Left out, the parameter takes its default (a minute for the queue waits): capped too.
    if (v === undefined || (typeof v === 'number' && v > WAIT_CAP_MS)) out[name] = WAIT_CAP_MS
    if (v instanceof RawJson && /^[\d.eE+]+$/.test(v.text)) out[name] = WAIT_CAP_MS
  }
  return out
}

/**
 * Calls a tool and judges what happened. Any answer is fine (an isError result with a
 * code is the normal answer to bad params) except: the relay dies, an INTERNAL code
 * or JSON-RPC -32603, an HTTP 5xx, no answer within the bound, or /healthz stalling
 * while the call runs.
 */
export async function attemptToolCall(relay: FuzzedRelay, call: ToolCall): Promise<Finding | undefined> {
  const label = `tools:${typeof call.tool === 'string' ? call.tool : '(odd tool name)'}`
  if (jsonTextLength(call.params) > MAX_PARAMS_CHARS) return undefined
  const { stalled, stop } = watchHealth(relay)
  const outcome = await relay.mcp.dispatch(call.tool, call.params, { timeoutMs: CALL_BOUND_MS })
  await stop()
  if (outcome.failed) await relay.exitsWithin(1_000)
  if (!relay.alive) return relay.crashed(label)
  // A stalled /healthz is the cause when the call also hung: report that, the cause.
  if (stalled.problem) {
    const hung = outcome.timedOut ? `; the call gave no answer within ${CALL_BOUND_MS} ms` : ''
    return {
      kind: 'unresponsive',
      key: `${label}:unresponsive`,
      summary: `${stalled.problem}${hung}`,
      broken: true,
    }
  }
  return judgeToolOutcome(label, outcome) ?? relay.check(label)
}

/** Probes /healthz while a call runs; `stalled.problem` says when it did not answer in time. */
export function watchHealth(relay: FuzzedRelay): { stalled: { problem?: string }; stop(): Promise<void> } {
  const stalled: { problem?: string } = {}
  let finish: () => void = () => {}
  const finished = new Promise<void>((resolve) => {
    finish = resolve
  })
  let done = false
  const loop = (async () => {
    while (!done && !stalled.problem) {
      const health = await relay.health(HEALTH_BOUND_MS)
      if (health.problem && !done && relay.alive)
        stalled.problem = `${health.problem} while the input was handled`
      await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS))])
    }
  })()
  return {
    stalled,
    stop: async () => {
      done = true
      finish()
      await loop
    },
  }
}

/** A message without its particulars (numbers, quoted names), for grouping. */
function normalize(message: string): string {
  return message
    .replace(/"[^"]*"|'[^']*'/g, '…')
    .replace(/\d+/g, 'N')
    .slice(0, 100)
}

export function judgeToolOutcome(label: string, outcome: RpcOutcome): Finding | undefined {
  if (outcome.timedOut) {
    return {
      kind: 'hang',
      key: `${label}:hang`,
      summary: `no answer within ${CALL_BOUND_MS} ms`,
      broken: true,
    }
  }
  if (outcome.failed) {
    return {
      kind: 'crash',
      key: `${label}:connection`,
      summary: `the request failed: ${outcome.failed}`,
      broken: true,
    }
  }
  if (outcome.status >= 500) {
    return {
      kind: 'http-5xx',
      key: `${label}:http-${outcome.status}`,
      summary: `HTTP ${outcome.status}: ${outcome.body ?? JSON.stringify(outcome.error)}`,
      broken: false,
    }
  }
  // One cause (e.g. a stack overflow on deep params) shows up in many tools: findings
  // of this kind are told apart by their message, and name the tool that showed it.
  if (outcome.error?.code === -32603) {
    return {
      kind: 'internal',
      key: `tools:internal:${normalize(outcome.error.message)}`,
      summary: `${label}: JSON-RPC -32603: ${outcome.error.message}`,
      broken: false,
    }
  }
  const error = outcome.result?._meta?.['mcpp/error']
  if (outcome.result?.isError && error?.code === 'INTERNAL') {
    return {
      kind: 'internal',
      key: `tools:internal:${normalize(String(error.message))}`,
      summary: `${label}: INTERNAL: ${error.message}`,
      broken: false,
    }
  }
  return undefined
}
