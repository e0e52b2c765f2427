/**
 * `node dist/relay/deploy/network-keys-main.js --out <dir> --relays relay-a,relay-b`:
 * the one-time step that gives the relays of a compose or Kubernetes network their
 * identities and peers files (network-keys.ts). The compose file runs it as an init
 * service; for Kubernetes, README "Deploy" turns its output into a Secret.
 */
import { parseArgs } from 'node:util'
import { type NetworkRelay, networkKeys } from './network-keys.ts'

const USAGE = `usage: network-keys-main.js --out <dir> --relays <host[:port]>,… [--p2p-port 8001] [--owner uid:gid]

Writes <dir>/<name>/peer-key (kept if present) and <dir>/<name>/peers.json (every other
relay as a member) for each relay; <name> is the host's first DNS label.`

function fail(message: string): never {
  process.stderr.write(`network-keys: ${message}\n${USAGE}\n`)
  process.exit(2)
}

let values: Record<string, string | boolean | undefined>
try {
  values = parseArgs({
    options: {
      out: { type: 'string' },
      relays: { type: 'string' },
      'p2p-port': { type: 'string', default: '8001' },
      owner: { type: 'string' },
      help: { type: 'boolean' },
    },
  }).values
} catch (err) {
  fail((err as Error).message)
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}
const out = values.out
const list = values.relays
if (typeof out !== 'string' || typeof list !== 'string') fail('--out and --relays are required')
const defaultPort = Number(values['p2p-port'])
const relays: NetworkRelay[] = list.split(',').map((entry) => {
  const [host = '', port] = entry.trim().split(':')
  const p = port === undefined ? defaultPort : Number(port)
  if (!/^[a-z0-9.-]+$/i.test(host)) fail(`not a host name: "${entry}"`)
  if (!Number.isInteger(p) || p < 1 || p > 65535) fail(`not a port: "${entry}"`)
  return { name: host.split('.')[0] as string, host, port: p }
})
if (new Set(relays.map((r) => r.name)).size !== relays.length) fail('two relays share a first DNS label')
let owner: { uid: number; gid: number } | undefined
if (typeof values.owner === 'string') {
  const [uid, gid] = values.owner.split(':').map(Number)
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) fail(`--owner is uid:gid, not "${values.owner}"`)
  owner = { uid: uid as number, gid: gid as number }
}

const peerIds = await networkKeys({ out, relays, ...(owner ? { owner } : {}) })
for (const [name, peerId] of Object.entries(peerIds)) process.stdout.write(`${name} ${peerId}\n`)
