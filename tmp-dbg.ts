import { startDetachedChromium } from './tests/bench/detached-chromium.ts'
import { startRelayChild } from './tests/bench/relay-child.ts'
const relay = await startRelayChild()
const chromium = await startDetachedChromium()
await chromium.withSession(async (context) => {
  const page = await context.newPage()
  page.on('console', (m) => console.log('console', m.type(), m.text()))
  const res = await page.goto(`${relay.base}/contribute`)
  console.log('status', res?.status(), page.url())
  console.log((await page.content()).slice(0, 600))
})
await chromium.close(); await relay.stop()
