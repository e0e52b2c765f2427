import { accessSync, constants, existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/**
 * The system programs some suites need (issue 15). A test file that needs one says so
 * with a `// @module-tag chromium` (or `ffmpeg`) line, or a suite with
 * `{ tags: ['ffmpeg'] }`; vitest.config.ts defines each tag to skip when its program is
 * missing, the skip-summary reporter names what was skipped and how to install it, and
 * with MCPP_REQUIRE_ALL=1 (CI) global-setup.ts fails the run instead. `tmpfs` is not a
 * program but a permission: mounting a small filesystem that fills (issue 16) needs root.
 */
export type RequirementTag = 'chromium' | 'ffmpeg' | 'tmpfs'

export interface Requirement {
  tag: RequirementTag
  /** What it is, for people. */
  label: string
  /** Where it was looked for, when it was not found. */
  lookedAt: string
  /** The Debian and Homebrew packages that provide it; absent when no package does. */
  apt?: string
  brew?: string
  /** What to do instead, when no package provides it. */
  how?: string
}

/** Where Chromium or Chrome usually is on Linux and macOS, in order of preference. */
export const CHROMIUM_PLACES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
]

type Env = Record<string, string | undefined>

/** The browser to drive: MCPP_CHROMIUM when set (and then only it), else the first usual place that exists. */
export function findChromium(env: Env = process.env): string | undefined {
  const chosen = env.MCPP_CHROMIUM
  if (chosen !== undefined && chosen !== '') return existsSync(chosen) ? chosen : undefined
  return CHROMIUM_PLACES.find((place) => existsSync(place))
}

/** Whether `name` is an executable file in one of PATH's directories (no process is started). */
export function onPath(name: string, env: Env = process.env): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => {
    if (dir === '') return false
    try {
      accessSync(join(dir, name), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

/** The requirements this machine lacks. */
export function missingRequirements(env: Env = process.env): Requirement[] {
  const missing: Requirement[] = []
  if (findChromium(env) === undefined) {
    const chosen = env.MCPP_CHROMIUM
    missing.push({
      tag: 'chromium',
      label: 'Chromium (or Chrome)',
      lookedAt: chosen ? `MCPP_CHROMIUM=${chosen}` : `${CHROMIUM_PLACES.join(', ')} (or set MCPP_CHROMIUM)`,
      apt: 'chromium',
      brew: '--cask google-chrome',
    })
  }
  if (!onPath('ffmpeg', env) || !onPath('ffprobe', env)) {
    missing.push({
      tag: 'ffmpeg',
      label: 'ffmpeg and ffprobe',
      lookedAt: 'PATH',
      apt: 'ffmpeg',
      brew: 'ffmpeg',
    })
  }
  if (!canMountTmpfs()) {
    missing.push({
      tag: 'tmpfs',
      label: 'mounting a tmpfs (root on Linux, with mount and umount)',
      lookedAt: `platform ${process.platform}, uid ${process.getuid?.() ?? 'unknown'}, mount and umount in ${MOUNT_DIRS.join(', ')}`,
      how: 'run the suite as root on Linux (CI does)',
    })
  }
  return missing
}

/** Where util-linux puts `mount` and `umount` (absolute: a suite's PATH may be bare). */
const MOUNT_DIRS = ['/usr/bin', '/bin']

/** `mount` and `umount` by absolute path, when they are in a usual place. */
export function mountPrograms(): { mount: string; umount: string } | undefined {
  const dir = MOUNT_DIRS.find((d) => existsSync(join(d, 'mount')) && existsSync(join(d, 'umount')))
  return dir === undefined ? undefined : { mount: join(dir, 'mount'), umount: join(dir, 'umount') }
}

/** Whether this process may mount a tmpfs: `mount -t tmpfs` needs root on Linux. */
export function canMountTmpfs(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && mountPrograms() !== undefined
}

/** The one command per platform that installs what is missing. */
export function installCommands(missing: readonly Requirement[]): { debian: string; macos: string } {
  const apt = missing.flatMap((r) => (r.apt === undefined ? [] : [r.apt]))
  const brew = missing.flatMap((r) => (r.brew === undefined ? [] : [`brew install ${r.brew}`]))
  return {
    debian: apt.length === 0 ? '' : `sudo apt-get install -y ${apt.join(' ')}`,
    macos: brew.join(' && '),
  }
}

/** Set in CI (.ci/run): a suite that would be skipped for a missing program fails the run instead. */
export function requireAll(env: Env = process.env): boolean {
  return env.MCPP_REQUIRE_ALL === '1'
}

/** What to print when programs are missing: what, where it was looked for, and the install command. */
export function missingText(missing: readonly Requirement[]): string {
  const { debian, macos } = installCommands(missing)
  const install = debian === '' ? [] : ['Install with:', `  Debian: ${debian}`, `  macOS:  ${macos}`]
  const instead = missing.flatMap((r) => (r.how === undefined ? [] : [`  ${r.label}: ${r.how}`]))
  return [
    ...missing.map((r) => `  ${r.label}: not found (looked at ${r.lookedAt})`),
    ...install,
    ...instead,
  ].join('\n')
}

/**
 * vitest's tag definitions: a tag whose program is missing skips what carries it,
 * unless MCPP_REQUIRE_ALL=1 (then require-all-setup.ts fails the run before any test).
 */
export function requirementTags(env: Env = process.env) {
  const missing = new Set(missingRequirements(env).map((r) => r.tag))
  const skip = (tag: RequirementTag) => missing.has(tag) && !requireAll(env)
  return [
    {
      name: 'chromium',
      description: 'drives Chromium (MCPP_CHROMIUM or a usual place)',
      skip: skip('chromium'),
    },
    { name: 'ffmpeg', description: 'runs ffmpeg and ffprobe from PATH', skip: skip('ffmpeg') },
    {
      name: 'tmpfs',
      description: 'mounts a small tmpfs that fills (needs root on Linux)',
      skip: skip('tmpfs'),
    },
  ]
}
