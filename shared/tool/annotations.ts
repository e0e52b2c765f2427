/**
 * MCP annotation sets shared by tools that behave alike: reads that change nothing,
 * idempotent writes that add or replace data, and deletions. Spread them and add a
 * title (and, where it differs, an override).
 */
export const READS = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const
export const WRITES = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const
export const DELETES = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: false,
} as const
