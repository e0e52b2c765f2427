import { type Browser, chromium } from 'playwright-core'
import { findChromium } from './requirements.ts'

/**
 * MCPP_CHROMIUM, or the first usual place on Linux or macOS that has one (requirements.ts).
 * Suites tagged `chromium` are skipped when there is none, so the fallback is only named
 * in the error of a caller outside them (the bench).
 */
export const CHROMIUM = findChromium() ?? process.env.MCPP_CHROMIUM ?? '/usr/bin/chromium'

/** Headless Chromium with the flags it needs in a container (no sandbox, no GPU, no QUIC, no background traffic). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Headless Chromium under playwright, which gives it a fresh profile. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS })
}
