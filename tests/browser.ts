import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM = process.env.MCPP_CHROMIUM ?? '/usr/bin/chromium'

/** Headless Debian Chromium with the flags it needs in a container (no sandbox, no GPU, no QUIC, no background traffic). */
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
