import { relative } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Acknowledged, checkAcknowledged, writeAcknowledged } from './acknowledged-data.ts'
import { type Campaign, type CampaignReport, describeFindings, runCampaign } from './campaign.ts'
import { type FuzzFile, fuzzSettings, fuzzTestTimeout } from './fuzz-settings.ts'
import { FuzzedRelay } from './fuzzed-relay.ts'

const ROOT = new URL('../..', import.meta.url).pathname

/**
 * The two tests of every fuzz file: the campaign (no finding may come out of it) and
 * the check that everything acknowledged before it is still there afterwards. The
 * relay is restarted from its data directory if the campaign left it dead.
 */
export function fuzzSuite<T>(
  file: FuzzFile,
  testFile: string,
  what: string,
  prepare: (relay: FuzzedRelay) => Promise<Omit<Campaign<T>, 'relay'>>,
): void {
  const settings = fuzzSettings(file)
  let relay: FuzzedRelay | undefined
  let acknowledged: Acknowledged | undefined

  beforeAll(async () => {
    relay = await FuzzedRelay.start(file)
    acknowledged = await writeAcknowledged(relay)
  }, 60_000)

  afterAll(async () => {
    await relay?.stop()
  }, 30_000)

  it(
    `keeps the relay alive and responsive whatever ${what}`,
    async () => {
      const target = relay as FuzzedRelay
      const campaign = { ...(await prepare(target)), relay: target }
      const report = await runCampaign(campaign, settings)
      console.info(summary(report))
      expect(
        report.findings.map((f) => f.key),
        describeFindings(report, relative(ROOT, testFile)),
      ).toEqual([])
    },
    fuzzTestTimeout(settings),
  )

  it('loses none of the data it acknowledged before the fuzz', async () => {
    const target = relay as FuzzedRelay
    if (!target.alive || (await target.health()).problem) await target.restart()
    expect(await checkAcknowledged(target, acknowledged as Acknowledged)).toEqual([])
  }, 60_000)
}

function summary(report: CampaignReport): string {
  return (
    `fuzz ${report.name}: ${report.runs} inputs in ${report.seconds} s, seed ${report.seed}, ` +
    `${report.findings.length} finding(s), ${report.restarts} relay restart(s)`
  )
}
