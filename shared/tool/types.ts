import type { z } from 'zod'

/** Where a tool's code can run. `relay` means another relay, reached over libp2p. */
export const RUNTIMES = ['local', 'p2p', 'edge', 'relay'] as const
export type Runtime = (typeof RUNTIMES)[number]
/** A tool's declared placement; `auto` lets the router pick P2P when a worker can take it. */
export const PLACEMENTS = ['local', 'p2p', 'auto', 'edge'] as const
export type Placement = (typeof PLACEMENTS)[number]

/** MCP tool annotations (spec 2025-11-25, `ToolAnnotations`). */
export interface ToolAnnotations {
  title?: string
  readOnlyHint?: boolean
  destructiveHint?: boolean
  idempotentHint?: boolean
  openWorldHint?: boolean
}

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency'

/** What a handler gets besides its validated input. */
export interface ToolContext {
  /** Aborted when the client cancels, the tool's timeout passes or the session ends. */
  signal: AbortSignal
  /** Reports progress; a no-op when the caller sent no progress token. */
  progress(progress: number, total?: number, message?: string): void
  /** Sends an MCP log message to the caller, subject to its logging level. */
  log(level: LogLevel, data: unknown): void
  /** Who is calling: the MCP session and the token identity, when known. */
  caller: CallerInfo
}

export interface CallerInfo {
  sessionId?: string
  identity?: string
}

export type ToolInput = z.ZodObject
export type ToolOutput = z.ZodObject

export type ToolHandler<I extends ToolInput = ToolInput, O extends ToolOutput = ToolOutput> = (
  input: z.output<I>,
  ctx: ToolContext,
) => Promise<z.input<O>>

/** The runtimes that run tool code in-process: the relay and the edge. */
export type HandlerRuntime = 'local' | 'edge'

/** The one small declaration that registers a tool. */
export interface ToolSpec<I extends ToolInput, O extends ToolOutput> {
  name: string
  category: string
  description: string
  input: I
  output: O
  annotations?: ToolAnnotations
  runtime?: Placement
  requiresP2P?: boolean
  timeoutMs?: number
  /** The P2P task kind that computes this tool on a worker, for `p2p`/`auto` tools. */
  taskKind?: string
  handlers: Partial<Record<HandlerRuntime, ToolHandler<I, O>>>
  /**
   * The `local` handler uses only web-standard APIs and shared code, so it also runs in
   * the edge Worker (issue 14): a call to it at the edge needs no relay.
   */
  pure?: boolean
  /** Typical parameters, shown in the reference (otherwise one is derived from the schema). */
  example?: z.input<I>
  /**
   * Former names of parameters, old → new: a call that still uses an old name is
   * refused (inputs are strict) with a message that names the new one.
   */
  renamed?: Readonly<Record<string, string>>
}

export interface Tool {
  readonly name: string
  readonly category: string
  readonly description: string
  readonly input: ToolInput
  readonly output: ToolOutput
  readonly annotations: ToolAnnotations
  readonly runtime: Placement
  readonly requiresP2P: boolean
  readonly timeoutMs: number | undefined
  readonly taskKind: string | undefined
  readonly handlers: Partial<Record<HandlerRuntime, ToolHandler>>
  /** Runtimes this tool has code for: handler runtimes plus `p2p` when it has a task kind. */
  readonly runtimes: ReadonlySet<Runtime>
  /** Typical parameters for the reference; undefined when none was written. */
  readonly example: Record<string, unknown> | undefined
  /** Former parameter names, old → new (see ToolSpec.renamed). */
  readonly renamed: Readonly<Record<string, string>>
  /** JSON Schema 2020-12 of the input, computed once. */
  readonly inputJsonSchema: JsonSchemaObject
  readonly outputJsonSchema: JsonSchemaObject
}

export interface JsonSchemaObject {
  type: 'object'
  [key: string]: unknown
}

export interface CategoryInfo {
  name: string
  description: string
}

/** What every category factory returns: the category and its tools, ready to register. */
export interface ToolCategory {
  readonly info: CategoryInfo
  readonly tools: readonly Tool[]
}
