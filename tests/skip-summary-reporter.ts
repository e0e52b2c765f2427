import type { Reporter, TestCase, TestModule } from 'vitest/node'
import { missingRequirements, missingText } from './requirements.ts'

/**
 * Says at the end of a run which suites were skipped because a program they need is
 * missing (their tag, requirements.ts), and the command that installs it (issue 15).
 * Runs after the default reporter, so its lines are the last ones printed.
 */
export default class SkipSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const missing = missingRequirements()
    if (missing.length === 0) return
    const lines: string[] = []
    for (const requirement of missing) {
      const skipped = new Map<string, number>()
      for (const module of testModules) {
        for (const test of module.children.allTests()) {
          if (test.result().state !== 'skipped' || !test.tags.includes(requirement.tag)) continue
          const where =
            suiteOf(test) === undefined
              ? module.relativeModuleId
              : `${module.relativeModuleId} > ${suiteOf(test)}`
          skipped.set(where, (skipped.get(where) ?? 0) + 1)
        }
      }
      for (const [where, count] of [...skipped].sort()) {
        lines.push(`  ${where} (${count} ${count === 1 ? 'test' : 'tests'}): needs ${requirement.label}`)
      }
    }
    if (lines.length === 0) return
    process.stdout.write(
      `\nSkipped, because this machine lacks a program they need:\n${lines.join('\n')}\n${missingText(missing)}\n` +
        'Everything else ran. CI sets MCPP_REQUIRE_ALL=1, which fails instead of skipping.\n',
    )
  }
}

/** The name of the outermost suite a test is in, if any. */
function suiteOf(test: TestCase): string | undefined {
  let parent = test.parent
  let name: string | undefined
  while (parent.type === 'suite') {
    name = parent.name
    parent = parent.parent
  }
  return name
}
