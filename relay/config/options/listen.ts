import type { OptionSpec } from '../option-spec.ts'

/** Where the relay listens (HTTP, libp2p) and keeps its data. */
export const LISTEN_OPTIONS: readonly OptionSpec[] = [
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
    key: 'p2p.announce',
    flag: 'p2p-announce',
    env: 'MCPP_P2P_ANNOUNCE',
    kind: 'list',
    help: 'Comma-separated multiaddrs peers are told to dial instead of the listening address (behind a proxy or NAT; default: the listening address)',
  },
  {
    key: 'dataDir',
    flag: 'data-dir',
    env: 'MCPP_DATA_DIR',
    kind: 'string',
    help: 'Data directory (default ./.mcpp)',
  },
]
