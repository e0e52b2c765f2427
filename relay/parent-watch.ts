/** How often the parent process is looked for (one getppid call). */
const CHECK_EVERY_MS = 1000

/**
 * Calls `onGone` once the process that started this one has exited, which shows as a
 * change of `process.ppid` (an orphan is adopted by init or a subreaper).
 *
 * Why the relay needs this under `npm start`: npm runs a script as `sh -c '<script>'`
 * and forwards SIGTERM and SIGINT to that shell only (@npmcli/run-script,
 * signal-manager.js). dash, Debian's sh, does not replace itself with the last command
 * of `-c`, so the shell received the signal, died, and left the relay running as an
 * orphan that kept the port and the data-dir lock. The `start` script now uses `exec`,
 * so npm's child is the relay itself and the signal reaches it; this watch covers what
 * forwarding cannot: npm killed with SIGKILL, or a script edited without `exec`.
 * Polling is the portable way: Node has no parent-death signal (Linux PR_SET_PDEATHSIG).
 */
export function watchParent(onGone: () => void, everyMs = CHECK_EVERY_MS): () => void {
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(timer)
    onGone()
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
