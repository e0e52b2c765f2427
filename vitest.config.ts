import { defineConfig } from 'vitest/config'
import { requirementTags } from './tests/requirements.ts'

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'relay/**/*.test.ts', 'worker/**/*.test.ts', 'tests/**/*.test.ts'],
    // The requirement check first: with MCPP_REQUIRE_ALL=1 it fails before the pages are built.
    globalSetup: ['tests/require-all-setup.ts', 'tests/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Suites tagged `chromium` or `ffmpeg` are skipped when it is missing, and named at the end.
    tags: requirementTags(),
    reporters: ['default', './tests/skip-summary-reporter.ts'],
  },
})
