/**
 * `npm run edge`: the edge Worker (relay/edge/) locally in workerd, through `wrangler dev`,
 * in front of the relays wrangler.toml names (or MCPP_EDGE_RELAYS). The Worker and the
 * relays must share MCPP_EDGE_SECRET: taken from the environment when set, else from
 * `.dev.vars` (wrangler's local secrets file), which is created with a new secret on the
 * first run. Extra arguments go to `wrangler dev`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = (name: string) => join(root, 'node_modules', '.bin', name)

if (!existsSync(join(root, 'dist', 'web', 'index.html'))) {
  console.error('edge: building the pages first (npm run build)')
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })
  if (built.status !== 0) process.exit(built.status ?? 1)
}

const vars: string[] = []
let secret = process.env.MCPP_EDGE_SECRET
const devVars = join(root, '.dev.vars')
if (secret !== undefined) vars.push('--var', `MCPP_EDGE_SECRET:${secret}`)
else if (existsSync(devVars))
  secret = /^MCPP_EDGE_SECRET\s*=\s*"?([^"\n]+)"?/m.exec(readFileSync(devVars, 'utf8'))?.[1]
else {
  secret = randomBytes(24).toString('hex')
  writeFileSync(devVars, `MCPP_EDGE_SECRET="${secret}"\n`, { mode: 0o600 })
  console.error('edge: wrote a new MCPP_EDGE_SECRET to .dev.vars')
}
if (process.env.MCPP_EDGE_RELAYS !== undefined) vars.push('--var', `RELAYS:${process.env.MCPP_EDGE_RELAYS}`)
if (process.env.MCPP_TOKEN !== undefined) vars.push('--var', `MCPP_TOKEN:${process.env.MCPP_TOKEN}`)
console.error(
  `edge: the relays behind it must run with the same secret, e.g.\n  MCPP_EDGE_SECRET=${secret ?? '<see .dev.vars>'} npm start`,
)

const child = spawn(
  bin('wrangler'),
  [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    process.env.MCPP_EDGE_PORT ?? '8787',
    ...vars,
    ...process.argv.slice(2),
  ],
  {
    cwd: root,
    stdio: 'inherit',
    // Offline: no fetch of Cloudflare's `Request.cf` data, no usage metrics.
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
  },
)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)))
