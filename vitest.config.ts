import { defineConfig } from 'vitest/config'
import { requirementTags } from './tests/requirements.ts'

const ALL = ['shared/**/*.test.ts', 'relay/**/*.test.ts', 'worker/**/*.test.ts', 'tests/**/*.test.ts']
/**
 * Tests that measure time shares from outside: the relay's event loop (/healthz answers
 * within its limit while a heavy call runs) and the Node worker's CPU cap (the share of
 * time a context computes). They measure the code, not the machine, only when nothing
 * else competes for its two cores: they are a project of their own, in their own group
 * order, and vitest runs groups one after another (and this one a file at a time), so no other file (headless Chromium
 * and relay processes included) runs beside them.
 */
const TIMED = ['tests/event-loop.test.ts', 'tests/node-worker-costs.test.ts']

export default defineConfig({
  test: {
    // The requirement check first: with MCPP_REQUIRE_ALL=1 it fails before the pages are built.
    globalSetup: ['tests/temp-dir-setup.ts', 'tests/require-all-setup.ts', 'tests/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Suites tagged `chromium` or `ffmpeg` are skipped when it is missing, and named at the end.
    tags: requirementTags(),
    reporters: ['default', './tests/skip-summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'suite', include: ALL, exclude: TIMED, sequence: { groupOrder: 0 } } },
      // One file at a time within the group too.
      {
        extends: true,
        test: { name: 'timed', include: TIMED, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
})
