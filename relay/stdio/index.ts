/**
 * `--stdio` (issue 15): one MCP session over stdin/stdout, for clients that launch
 * their servers as child processes (Claude Desktop, Claude Code, Cursor, VS Code).
 * The relay around it is the usual one; only the transport and the caller differ.
 */
export { type StdioSession, serveStdio, stdioCaller } from './serve-stdio.ts'
export { stdioPorts } from './stdio-ports.ts'
export { StdioLineTransport } from './stdio-transport.ts'
export { takeStdout } from './stdout-guard.ts'
