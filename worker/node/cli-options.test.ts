import { describe, expect, it } from 'vitest'
import { parseWorkerCli, WORKER_HELP, WORKER_OPTIONS } from './cli-options.ts'

const parse = (argv: string[], env: Record<string, string> = {}) => parseWorkerCli(argv, env)

describe('the Node worker’s options', () => {
  it('has the page’s defaults: no cap, not idle-only, and a 25 % busy threshold', () => {
    const parsed = parse(['--relay', 'http://127.0.0.1:8000', '--concurrency', '2'])
    expect(parsed).toMatchObject({
      ok: true,
      options: {
        relay: 'http://127.0.0.1:8000',
        concurrency: 2,
        cpuCap: 100,
        onlyWhenIdle: false,
        idleThreshold: 25,
      },
    })
  })

  it('reads MCPP_* variables, and flags win over them', () => {
    const env = {
      MCPP_WORKER_RELAY: 'http://r:8000',
      MCPP_WORKER_CPU_CAP: '30',
      MCPP_WORKER_ONLY_WHEN_IDLE: 'true',
      MCPP_WORKER_IDLE_THRESHOLD: '40',
      MCPP_JOIN_TOKEN: 'a-join-token-of-16+',
    }
    expect(parse([], env)).toMatchObject({
      ok: true,
      options: {
        relay: 'http://r:8000',
        cpuCap: 30,
        onlyWhenIdle: true,
        idleThreshold: 40,
        joinToken: env.MCPP_JOIN_TOKEN,
      },
    })
    expect(parse(['--cpu-cap', '50'], env)).toMatchObject({ options: { cpuCap: 50 } })
    expect(parse([], { ...env, MCPP_WORKER_ONLY_WHEN_IDLE: '0' })).toMatchObject({
      options: { onlyWhenIdle: false },
    })
  })

  it('refuses values out of range, unknown flags and a missing relay, naming the option', () => {
    const relay = ['--relay', 'http://r:8000']
    expect(parse([...relay, '--cpu-cap', '5'])).toEqual({
      ok: false,
      message: '--cpu-cap must be an integer 10–100',
    })
    expect(parse([...relay, '--cpu-cap', '50.5'])).toMatchObject({ ok: false })
    expect(parse([...relay, '--idle-threshold', '0'])).toMatchObject({
      ok: false,
      message: /--idle-threshold/,
    })
    expect(parse([...relay, '--concurrency', '0'])).toMatchObject({ ok: false, message: /--concurrency/ })
    expect(parse(relay, { MCPP_WORKER_ONLY_WHEN_IDLE: 'maybe' })).toMatchObject({
      ok: false,
      message: /only-when-idle/,
    })
    expect(parse([...relay, '--cpu-cpa', '50'])).toMatchObject({ ok: false, message: /cpu-cpa/ })
    expect(parse([])).toEqual({ ok: false, message: '--relay is required' })
  })

  it('lists every option with its variable in --help', () => {
    expect(parse(['--help'])).toEqual({ ok: true, help: true })
    for (const o of WORKER_OPTIONS) {
      expect(WORKER_HELP).toContain(`--${o.flag}`)
      expect(WORKER_HELP).toContain(o.env)
    }
    expect(WORKER_HELP).toMatch(/--cpu-cap <percent>\n.*default 100/)
    expect(WORKER_HELP).toMatch(/--idle-threshold <percent>\n.*default 25/)
  })
})
