import { Writable } from 'node:stream'

/**
 * Keeps stdout for the MCP protocol alone: returns a stream that writes to the real
 * stdout, and sends everything else written to `process.stdout` (a stray
 * `console.log`, a library's banner) to stderr, where a stdio client shows it as a log.
 * The relay's own logger already writes to stderr (log.ts). Output that native code
 * writes to file descriptor 1 directly is not caught; none of the relay's does.
 */
export function takeStdout(): Writable {
  const stdout = process.stdout
  const write = stdout.write.bind(stdout) as (
    chunk: Uint8Array | string,
    cb: (err?: Error | null) => void,
  ) => boolean
  stdout.write = process.stderr.write.bind(process.stderr) as typeof stdout.write
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      write(chunk, callback)
    },
  })
}
