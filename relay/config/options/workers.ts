import type { OptionSpec } from '../option-spec.ts'

/** Who may become a task worker (`workers.*`) and how their answers are checked (`trust.*`). */
export const WORKER_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'workers.admission',
    flag: 'worker-admission',
    env: 'MCPP_WORKER_ADMISSION',
    kind: 'string',
    help: 'Who may become a task worker: open | token | allowlist (default open)',
  },
  {
    key: 'workers.joinTokens',
    flag: 'join-tokens',
    env: 'MCPP_JOIN_TOKENS',
    kind: 'list',
    help: 'Comma-separated join tokens that admit member workers',
  },
  {
    key: 'workers.allowlist',
    flag: 'worker-allowlist',
    env: 'MCPP_WORKER_ALLOWLIST',
    kind: 'list',
    help: 'Comma-separated PeerIds admitted as member workers',
  },
  {
    key: 'workers.volunteerTools',
    flag: 'volunteer-tools',
    env: 'MCPP_VOLUNTEER_TOOLS',
    kind: 'list',
    help: 'Tools whose calls by authenticated clients may run on anonymous volunteers (globs)',
  },
  {
    key: 'trust.default',
    flag: 'trust',
    env: 'MCPP_TRUST',
    kind: 'string',
    help: 'Default check of worker answers: any | quorum:K | spot-check:RATE (default any)',
  },
]
