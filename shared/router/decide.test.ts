import { describe, expect, it } from 'vitest'
import { DEFAULT_ROUTE_RULES } from '../constants.ts'
import type { Placement, Runtime } from '../tool/types.ts'
import { compilePolicy, globToRegExp } from './compile-policy.ts'
import { decideRoute } from './decide.ts'
import type { AvailabilitySnapshot, RouteRule } from './types.ts'

const up = { available: true }
const snapshot = (p2p: boolean, kinds: string[] = []): AvailabilitySnapshot => ({
  local: up,
  p2p: p2p
    ? { available: true, taskKinds: new Set(kinds) }
    : { available: false, reason: 'no workers', taskKinds: new Set() },
  edge: { available: false, reason: 'not here' },
  relay: { available: false, reason: 'alone' },
})
const tool = (name: string, runtime: Placement, runtimes: Runtime[], taskKind?: string) => ({
  name,
  runtime,
  requiresP2P: false,
  runtimes: new Set(runtimes),
  taskKind,
})
const policy = (fallback: 'local' | 'none', rules: RouteRule[] = [...DEFAULT_ROUTE_RULES]) =>
  compilePolicy({ rules, fallback })

describe('decideRoute', () => {
  it('runs a local tool locally', () => {
    expect(decideRoute(tool('text_hash', 'local', ['local']), policy('local'), snapshot(false))).toEqual({
      ok: true,
      runtime: 'local',
      fallbacks: [],
      reason: 'placement local',
    })
  })

  it('sends an auto tool to a worker that runs its kind, keeping local as the fallback', () => {
    const embed = tool('text_embed', 'auto', ['local', 'p2p'], 'embed')
    expect(decideRoute(embed, policy('local'), snapshot(true, ['embed']))).toMatchObject({
      ok: true,
      runtime: 'p2p',
      fallbacks: ['local'],
    })
    const noKind = decideRoute(embed, policy('local'), snapshot(true, ['echo']))
    expect(noKind).toMatchObject({ ok: true, runtime: 'local', fallbacks: [] })
    expect((noKind as { reason: string }).reason).toContain('no connected worker runs task kind "embed"')
  })

  it('falls back to local only when the policy allows it', () => {
    const p2pOnly = tool('x_y', 'p2p', ['p2p', 'local'], 'echo')
    expect(decideRoute(p2pOnly, policy('local'), snapshot(false))).toMatchObject({
      ok: true,
      runtime: 'local',
    })
    const refused = decideRoute(p2pOnly, policy('none'), snapshot(false))
    expect(refused).toMatchObject({ ok: false, code: 'RUNTIME_UNAVAILABLE' })
    expect((refused as { message: string }).message).toContain('p2p: no workers')
  })

  it('applies the first matching rule: the default rules require P2P for task-queue tools', () => {
    const submit = tool('p2p_taskqueue_submit', 'local', ['local'])
    const down = decideRoute(submit, policy('local'), snapshot(false))
    expect(down).toMatchObject({ ok: false, code: 'RUNTIME_UNAVAILABLE' })
    expect((down as { message: string }).message).toContain(
      'requires the P2P runtime, which is unavailable: no workers',
    )
    expect(decideRoute(submit, policy('local'), snapshot(true))).toMatchObject({ ok: true, runtime: 'local' })
    const rules: RouteRule[] = [
      { match: 'text_*', runtime: 'edge' },
      { match: 'text_hash', runtime: 'p2p' },
    ]
    const hash = tool('text_hash', 'local', ['local'])
    expect(decideRoute(hash, policy('local', rules), snapshot(true))).toMatchObject({
      ok: true,
      runtime: 'local',
    })
    expect(
      (decideRoute(hash, policy('local', rules), snapshot(true)) as { reason: string }).reason,
    ).toContain('placement edge')
  })

  it('is pure: the same inputs give the same decision and nothing is mutated', () => {
    const t = tool('text_embed', 'auto', ['local', 'p2p'], 'embed')
    const s = snapshot(true, ['embed'])
    const p = policy('local')
    const frozen = JSON.stringify([t, [...t.runtimes], s, [...s.p2p.taskKinds]])
    expect(decideRoute(t, p, s)).toEqual(decideRoute(t, p, s))
    expect(JSON.stringify([t, [...t.runtimes], s, [...s.p2p.taskKinds]])).toBe(frozen)
  })
})

describe('decideRoute across member relays', () => {
  const embed = tool('text_embed', 'auto', ['local', 'p2p'], 'embed')
  const sha = tool('p2p_sha', 'p2p', ['p2p'], 'sha256')
  const member = (peerId: string, freeSlots: number, kinds: string[]) => ({
    peerId,
    freeSlots,
    kinds: new Set(kinds),
  })
  const withRelays = (
    local: { kinds: string[]; slots?: number; free?: number },
    members: ReturnType<typeof member>[],
  ): AvailabilitySnapshot => ({
    ...snapshot(true, local.kinds),
    p2p: {
      available: true,
      taskKinds: new Set(local.kinds),
      load: new Map(local.kinds.map((k) => [k, { slots: local.slots ?? 4, freeSlots: local.free ?? 4 }])),
    },
    relay: { available: true, members },
  })

  it('forwards a kind no local worker runs to the member with the most free slots, before running it here', () => {
    const decision = decideRoute(
      embed,
      policy('local'),
      withRelays({ kinds: [] }, [member('peerA', 1, ['embed']), member('peerB', 3, ['embed'])]),
    )
    expect(decision).toMatchObject({ ok: true, runtime: 'relay', fallbacks: ['local'] })
    expect((decision as { reason: string }).reason).toContain('no connected worker runs task kind "embed"')
    expect((decision as { reason: string }).reason).toContain('relay peerB has 3 free slots')
  })

  it('runs on local workers with free slots, and forwards only when they are saturated', () => {
    const members = [member('peerA', 2, ['sha256'])]
    const free = decideRoute(sha, policy('none'), withRelays({ kinds: ['sha256'], free: 1 }, members))
    expect(free).toMatchObject({ ok: true, runtime: 'p2p', fallbacks: ['relay'] })
    expect((free as { reason: string }).reason).toContain('local workers run "sha256" (1/4 slots free)')
    const busy = decideRoute(sha, policy('none'), withRelays({ kinds: ['sha256'], free: 0 }, members))
    expect(busy).toMatchObject({ ok: true, runtime: 'relay', fallbacks: ['p2p'] })
    expect((busy as { reason: string }).reason).toContain('local workers saturated (4/4 slots busy')
  })

  it('keeps a saturated kind here when no member has free slots for it', () => {
    const decision = decideRoute(
      sha,
      policy('none'),
      withRelays({ kinds: ['sha256'], free: 0 }, [
        member('peerA', 0, ['sha256']),
        member('peerB', 5, ['echo']),
      ]),
    )
    expect(decision).toMatchObject({ ok: true, runtime: 'p2p', fallbacks: [] })
  })

  it('says why the relay runtime cannot take a call', () => {
    const alone = decideRoute(sha, policy('none'), snapshot(true, []))
    expect(alone).toMatchObject({ ok: false, code: 'RUNTIME_UNAVAILABLE' })
    expect((alone as { message: string }).message).toContain('relay: alone')
  })
})

describe('globToRegExp', () => {
  it('treats * as the only wildcard and escapes everything else', () => {
    expect(globToRegExp('*workflow*').test('p2p_workflow_submit')).toBe(true)
    expect(globToRegExp('a.b').test('a.b')).toBe(true)
    expect(globToRegExp('a.b').test('axb')).toBe(false)
    expect(globToRegExp('a+b').test('aab')).toBe(false)
    expect(globToRegExp('text_*').test('my_text_hash')).toBe(false)
  })
})
