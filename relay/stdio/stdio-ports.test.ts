import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.ts'
import { stdioPorts } from './stdio-ports.ts'

const config = configSchema.parse({ stdio: { enabled: true } })
const none = { argv: [], env: {}, configText: undefined }

describe('stdioPorts', () => {
  it('moves HTTP and libp2p to free ports when neither was set', () => {
    const out = stdioPorts(config, none)
    expect([out.port, out.p2pPort]).toEqual([0, 0])
  })

  it('keeps a port set by flag, by environment or by the config file', () => {
    expect(stdioPorts({ ...config, port: 9000 }, { ...none, argv: ['--stdio', '--port', '9000'] }).port).toBe(
      9000,
    )
    expect(stdioPorts({ ...config, port: 9000 }, { ...none, argv: ['--port=9000'] }).port).toBe(9000)
    expect(
      stdioPorts({ ...config, p2pPort: 9001 }, { ...none, env: { MCPP_P2P_PORT: '9001' } }),
    ).toMatchObject({
      port: 0,
      p2pPort: 9001,
    })
    expect(stdioPorts({ ...config, port: 9000 }, { ...none, configText: 'port: 9000\n' })).toMatchObject({
      port: 9000,
      p2pPort: 0,
    })
  })
})
