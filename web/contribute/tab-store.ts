/**
 * What the contribute page remembers in this browser (localStorage): the cost settings,
 * a libp2p key per tab, and all-time counts per PeerId.
 *
 * Keys live in numbered slots; an open tab holds its slot with a Web Lock, so two tabs
 * never share a PeerId, a reload gets the same one back, and a visit next week reuses
 * the first free slot (with its PeerId and its counts).
 */
import { type CostSettings, readCostSettings } from '../../worker/core/cost-controls.ts'

const SETTINGS = 'mcpp.contribute.settings'
const KEY_SLOT = (n: number) => `mcpp.contribute.key.${n}`
const TOTALS = (peerId: string) => `mcpp.contribute.totals.${peerId}`
const MAX_SLOTS = 32

export const loadSettings = (): CostSettings => readCostSettings(localStorage.getItem(SETTINGS))
export const saveSettings = (settings: CostSettings): void =>
  localStorage.setItem(SETTINGS, JSON.stringify(settings))

/** The first key slot no other open tab holds; held until this tab goes away. Undefined if all are taken. */
export async function claimKeySlot(): Promise<number | undefined> {
  if (!('locks' in navigator)) return 0
  for (let n = 0; n < MAX_SLOTS; n++) {
    const got = await new Promise<boolean>((resolve) => {
      void navigator.locks.request(`mcpp-contribute-key-${n}`, { ifAvailable: true }, (lock) => {
        resolve(lock !== null)
        // Returning a promise that never settles keeps the lock while the tab lives.
        return lock === null ? undefined : new Promise<void>(() => {})
      })
    })
    if (got) return n
  }
  return undefined
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

/** A tab's libp2p key (protobuf) and its PeerId, kept in slot `slot`. */
export interface SavedKey {
  key: Uint8Array
  peerId: string
}

export function loadKey(slot: number | undefined): SavedKey | undefined {
  const saved = slot === undefined ? null : localStorage.getItem(KEY_SLOT(slot))
  try {
    const { key, peerId } = JSON.parse(saved ?? 'null') ?? {}
    return typeof key === 'string' && typeof peerId === 'string'
      ? { key: fromBase64(key), peerId }
      : undefined
  } catch {
    return undefined
  }
}

export function saveKey(slot: number | undefined, saved: SavedKey): void {
  if (slot !== undefined)
    localStorage.setItem(KEY_SLOT(slot), JSON.stringify({ key: toBase64(saved.key), peerId: saved.peerId }))
}

export interface Totals {
  done: number
  failed: number
}

export function loadTotals(peerId: string): Totals {
  try {
    const t = JSON.parse(localStorage.getItem(TOTALS(peerId)) ?? '{}') as Partial<Totals>
    return { done: Number(t.done) || 0, failed: Number(t.failed) || 0 }
  } catch {
    return { done: 0, failed: 0 }
  }
}

export const saveTotals = (peerId: string, totals: Totals): void =>
  localStorage.setItem(TOTALS(peerId), JSON.stringify(totals))
