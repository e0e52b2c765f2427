import type { OptionSpec } from '../option-spec.ts'

/** Other relays: bootstrap peers, member relays and their announcements (`relays.*`), and the lease of tasks forwarded to them (`forwarding.*`). */
export const RELAY_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'bootstrapPeers',
    flag: 'bootstrap-peers',
    env: 'MCPP_BOOTSTRAP_PEERS',
    kind: 'list',
    help: 'Comma-separated multiaddrs of other relays',
  },
  {
    key: 'relays.members',
    flag: 'relay-members',
    env: 'MCPP_RELAY_MEMBERS',
    kind: 'list',
    help: 'Comma-separated PeerIds of member relays, the only peers whose capacity announcements are accepted (none by default)',
  },
  {
    key: 'relays.announceTtlSeconds',
    flag: 'relay-announce-ttl-seconds',
    env: 'MCPP_RELAY_ANNOUNCE_TTL_SECONDS',
    kind: 'int',
    help: "A member relay's announced capacity is forgotten this long after it arrived (default 600)",
  },
  {
    key: 'forwarding.leaseSeconds',
    flag: 'forward-lease-seconds',
    env: 'MCPP_FORWARD_LEASE_SECONDS',
    kind: 'int',
    help: 'A member relay running a task forwarded from this one must renew its lease within this long, or the task is taken back and re-queued (default 30)',
  },
  {
    key: 'relays.announceIntervalSeconds',
    flag: 'relay-announce-interval-seconds',
    env: 'MCPP_RELAY_ANNOUNCE_INTERVAL_SECONDS',
    kind: 'number',
    help: 'This relay sends its capacity to every connected member relay this often, and within 200 ms of a change (default 5)',
  },
  {
    key: 'relays.peersFile',
    flag: 'peers-file',
    env: 'MCPP_PEERS_FILE',
    kind: 'string',
    help: 'JSON file of relays to dial and keep connected; a bad entry is reported and skipped (README: A network of relays)',
  },
  {
    key: 'relays.mdns',
    flag: 'mdns',
    env: 'MCPP_MDNS',
    kind: 'bool',
    help: 'Find member relays on the LAN with mDNS (off by default)',
  },
]
