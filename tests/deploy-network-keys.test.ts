import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { networkKeys } from '../relay/deploy/network-keys.ts'
import type { RunningRelay } from '../relay/relay.ts'
import { startTestRelay } from './helpers.ts'
import { freePort } from './relay-process.ts'

const out = mkdtempSync(join(tmpdir(), 'mcpp-network-keys-'))
const running: RunningRelay[] = []

afterAll(async () => {
  await Promise.all(running.map((r) => r.close()))
  rmSync(out, { recursive: true, force: true })
})

/** What `relay` knows of the member `peerId` in /api/status, if anything. */
async function memberView(relay: RunningRelay, peerId: string): Promise<any> {
  const status = (await (await fetch(`${relay.url}/api/status`)).json()) as any
  return status.relays.find((r: any) => r.peerId === peerId)
}

// What compose.yaml's relay-keys step does before two fresh relays start.
describe('network keys', () => {
  it('two relays started fresh from its directories hear each other as members', async () => {
    const relays = [
      { name: 'relay-a', host: '127.0.0.1', port: await freePort() },
      { name: 'relay-b', host: 'localhost', port: await freePort() },
    ]
    const peerIds = await networkKeys({ out, relays })
    const a = relays[0]!
    const b = relays[1]!
    expect(statSync(join(out, 'relay-a', 'peer-key')).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(join(out, 'relay-a', 'peers.json'), 'utf8'))).toEqual({
      peers: [{ multiaddr: `/dns4/localhost/tcp/${b.port}/ws/p2p/${peerIds['relay-b']}`, member: true }],
    })
    for (const relay of relays) {
      const dataDir = join(out, relay.name)
      running.push(
        await startTestRelay({
          dataDir,
          p2pPort: relay.port,
          relays: { peersFile: join(dataDir, 'peers.json'), announceIntervalSeconds: 0.2 },
        }),
      )
    }
    const [relayA, relayB] = running as [RunningRelay, RunningRelay]
    const status = (await (await fetch(`${relayA.url}/api/status`)).json()) as any
    expect(status.p2p.peerId).toBe(peerIds[a.name])
    await vi.waitFor(
      async () => {
        expect(await memberView(relayA, peerIds[b.name]!)).toBeDefined()
        expect(await memberView(relayB, peerIds[a.name]!)).toBeDefined()
      },
      { timeout: 20_000, interval: 100 },
    )
  }, 40_000)

  it('run again, it keeps every identity', async () => {
    const relays = [
      { name: 'relay-a', host: '127.0.0.1', port: 1 },
      { name: 'relay-b', host: 'localhost', port: 2 },
    ]
    const first = await networkKeys({ out: join(out, 'again'), relays })
    expect(await networkKeys({ out: join(out, 'again'), relays })).toEqual(first)
    expect(first['relay-a']).not.toBe(first['relay-b'])
  })

  it('its command line, as compose runs it, prints each relay and its PeerId and refuses a bad entry', () => {
    const cli = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['--disable-warning=ExperimentalWarning', 'relay/deploy/network-keys-main.ts', ...args],
        { encoding: 'utf8' },
      )
    const dir = join(out, 'cli')
    const ok = cli('--out', dir, '--relays', 'relay-a,relay-b.example:9001')
    expect(ok.status).toBe(0)
    const lines = ok.stdout.trim().split('\n')
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['relay-a', 'relay-b'])
    const peerIdB = lines[1]?.split(' ')[1]
    expect(JSON.parse(readFileSync(join(dir, 'relay-a', 'peers.json'), 'utf8')).peers).toEqual([
      { multiaddr: `/dns4/relay-b.example/tcp/9001/ws/p2p/${peerIdB}`, member: true },
    ])
    const bad = cli('--out', dir, '--relays', 'relay-a,relay a')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('not a host name: "relay a"')
  })
})
