import type { OptionSpec } from '../option-spec.ts'

/** How clients reach the relay: tools/list exposure, transports (sessions, stateless, stdio), request limits, allowed hosts and origins; and, in their --help place, running without libp2p and the log level. */
export const MCP_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'expose',
    flag: 'expose',
    env: 'MCPP_EXPOSE',
    kind: 'string',
    help: 'tools/list exposure: meta | flat | hybrid (default meta)',
  },
  {
    key: 'exposeTools',
    flag: 'expose-tools',
    env: 'MCPP_EXPOSE_TOOLS',
    kind: 'list',
    help: 'Comma-separated tools listed beside the meta-tools in hybrid mode',
  },
  {
    key: 'disableP2p',
    flag: 'disable-p2p',
    env: 'MCPP_DISABLE_P2P',
    kind: 'bool',
    help: 'Run without the libp2p node (no P2P task workers)',
  },
  {
    key: 'stateless',
    flag: 'stateless',
    env: 'MCPP_STATELESS',
    kind: 'bool',
    help: 'Serve MCP without sessions (one server per request)',
  },
  {
    key: 'stdio.enabled',
    flag: 'stdio',
    env: 'MCPP_STDIO',
    kind: 'bool',
    help: 'Serve one MCP session over stdin/stdout (logs on stderr); HTTP and libp2p then take free ports unless --port/--p2p-port are set',
  },
  {
    key: 'stdio.identity',
    flag: 'stdio-identity',
    env: 'MCPP_STDIO_IDENTITY',
    kind: 'string',
    help: 'Who the stdio client is: operator (default, unrestricted) or an identity of the access policy',
  },
  {
    key: 'sessionIdleSeconds',
    flag: 'session-idle-seconds',
    env: 'MCPP_SESSION_IDLE_SECONDS',
    kind: 'number',
    help: 'Close MCP sessions idle this long (default 1800)',
  },
  {
    key: 'maxBodyBytes',
    flag: 'max-body-bytes',
    env: 'MCPP_MAX_BODY_BYTES',
    kind: 'int',
    help: 'Largest accepted request body (default 4 MiB)',
  },
  {
    key: 'keepAliveSeconds',
    flag: 'keep-alive-seconds',
    env: 'MCPP_KEEP_ALIVE_SECONDS',
    kind: 'number',
    help: 'SSE keep-alive comment interval; 0 disables (default 15)',
  },
  {
    key: 'allowedHosts',
    flag: 'allowed-hosts',
    env: 'MCPP_ALLOWED_HOSTS',
    kind: 'list',
    help: 'Extra Host names accepted (DNS-rebinding protection); * accepts any',
  },
  {
    key: 'allowedOrigins',
    flag: 'allowed-origins',
    env: 'MCPP_ALLOWED_ORIGINS',
    kind: 'list',
    help: 'Extra browser Origins accepted and allowed by CORS; * accepts any',
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'MCPP_LOG_LEVEL',
    kind: 'string',
    help: 'debug | info | warn | error | silent (default info)',
  },
]

/** How long MCP calls in flight get to finish on shutdown (`shutdown.*`). */
export const SHUTDOWN_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'shutdown.graceSeconds',
    flag: 'shutdown-grace-seconds',
    env: 'MCPP_SHUTDOWN_GRACE_SECONDS',
    kind: 'number',
    help: 'On SIGTERM/SIGINT, MCP calls in flight get this long to finish; the rest are answered with SHUTTING_DOWN (default 10)',
  },
]
