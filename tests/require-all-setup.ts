import { missingRequirements, missingText, requireAll } from './requirements.ts'

/**
 * Global setup: with MCPP_REQUIRE_ALL=1 (CI), a program some suites need being missing
 * fails the run at once, with what is missing and how to install it; a skipped suite
 * there would be a silent gap. Without it, those suites are skipped (requirements.ts).
 */
export default function requireEverything(): void {
  const missing = missingRequirements()
  if (requireAll() && missing.length > 0) {
    throw new Error(
      `MCPP_REQUIRE_ALL=1: every suite must run, but this machine lacks programs some need:\n${missingText(missing)}`,
    )
  }
}
