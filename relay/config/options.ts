/** One row per setting that flags and env can set; `--help` and the loader both read it. */
export interface OptionSpec {
  /** Dotted config key, as in the YAML file. */
  key: string
  flag: string
  env: string
  kind: 'string' | 'int' | 'number' | 'bool' | 'list'
  help: string
}

export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'host',
    flag: 'host',
    env: 'MCPP_HOST',
    kind: 'string',
    help: 'HTTP bind address (default 127.0.0.1)',
  },
  {
    key: 'port',
    flag: 'port',
    env: 'MCPP_PORT',
    kind: 'int',
    help: 'HTTP port; 0 picks a free one (default 8000)',
  },
  {
    key: 'p2pPort',
    flag: 'p2p-port',
    env: 'MCPP_P2P_PORT',
    kind: 'int',
    help: 'libp2p WebSocket port (default 8001)',
  },
  {
    key: 'dataDir',
    flag: 'data-dir',
    env: 'MCPP_DATA_DIR',
    kind: 'string',
    help: 'Data directory (default ./.mcpp)',
  },
  {
    key: 'token',
    flag: 'token',
    env: 'MCPP_TOKEN',
    kind: 'string',
    help: 'Bearer token required by /mcp and mutating API calls',
  },
  {
    key: 'accessPolicy',
    flag: 'access-policy',
    env: 'MCPP_ACCESS_POLICY',
    kind: 'string',
    help: 'YAML access policy: identities by token digest and the tools they may call',
  },
  {
    key: 'bootstrapPeers',
    flag: 'bootstrap-peers',
    env: 'MCPP_BOOTSTRAP_PEERS',
    kind: 'list',
    help: 'Comma-separated multiaddrs of other relays',
  },
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
  {
    key: 'compute.threads',
    flag: 'compute-threads',
    env: 'MCPP_COMPUTE_THREADS',
    kind: 'int',
    help: 'Worker threads for CPU-heavy tool work (default: cores - 1, 1 to 4)',
  },
  {
    key: 'compute.timeoutSeconds',
    flag: 'compute-timeout-seconds',
    env: 'MCPP_COMPUTE_TIMEOUT_SECONDS',
    kind: 'number',
    help: 'Time limit of one compute task, waiting for a thread included; a call over it fails with TIMEOUT (default 60)',
  },
  {
    key: 'compute.memoryMb',
    flag: 'compute-memory-mb',
    env: 'MCPP_COMPUTE_MEMORY_MB',
    kind: 'int',
    help: 'Heap limit of each compute thread in MB (default 512)',
  },
  {
    key: 'router.fallback',
    flag: 'router-fallback',
    env: 'MCPP_ROUTER_FALLBACK',
    kind: 'string',
    help: 'local: run locally when the preferred runtime is unavailable; none: fail (default local)',
  },
]
