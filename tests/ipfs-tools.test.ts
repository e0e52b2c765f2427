import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { connectClient, errorMeta, startTestRelay, toolHarness } from './helpers.ts'

const UNKNOWN = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const h = toolHarness()
const { call, ok } = h

describe('ipfs tools', () => {
  it('adds text and reads it back by CID', async () => {
    const added = await ok('ipfs_add', { text: 'hello ipfs' })
    expect(added).toMatchObject({ type: 'file', size: 10, pinned: true })
    expect((await ok('ipfs_cat', { cid: added.cid })).content).toBe('hello ipfs')
    expect((await ok('ipfs_cat', { cid: added.cid, offset: 6, length: 4 })).content).toBe('ipfs')
    expect(await ok('ipfs_stat', { cid: added.cid })).toMatchObject({ type: expect.any(String), size: 10 })
  })

  it('adds a directory from the data roots and lists it', async () => {
    const dir = join(h.relay.components.config.dataDir, 'files', 'site')
    mkdirSync(join(dir, 'css'), { recursive: true })
    writeFileSync(join(dir, 'index.html'), '<h1>hi</h1>')
    writeFileSync(join(dir, 'css', 'a.css'), 'h1{}')
    const added = await ok('ipfs_add', { path: 'site' })
    expect(added.type).toBe('directory')
    const site = await ok('ipfs_ls', { cid: added.cid })
    expect(site.entries.map((e: any) => [e.name, e.type]).sort()).toEqual([
      ['css', 'directory'],
      ['index.html', 'file'],
    ])
  })

  it('saves a directory back to a path, atomically, and refuses to overwrite without asking', async () => {
    const dir = join(h.relay.components.config.dataDir, 'files', 'docs')
    mkdirSync(join(dir, 'sub'), { recursive: true })
    writeFileSync(join(dir, 'a.txt'), 'alpha')
    writeFileSync(join(dir, 'sub', 'b.txt'), 'beta!')
    const { cid } = await ok('ipfs_add', { path: 'docs' })
    const saved = await ok('ipfs_get', { cid, path: 'restored' })
    expect(saved).toMatchObject({ files: 2, bytes: 10 })
    const root = join(h.relay.components.config.dataDir, 'files', 'restored')
    expect(readFileSync(join(root, 'sub', 'b.txt'), 'utf8')).toBe('beta!')
    const again = await call('ipfs_get', { cid, path: 'restored' })
    expect(errorMeta(again).code).toBe('CONFLICT')
    const missing = await call('ipfs_get', { cid: UNKNOWN, path: 'nothing-here' })
    expect(errorMeta(missing).code).toBe('NOT_FOUND')
    expect(existsSync(join(h.relay.components.config.dataDir, 'files', 'nothing-here'))).toBe(false)
  })

  it('pins, lists and unpins', async () => {
    const { cid } = await ok('ipfs_add', { text: 'pin me', pin: false })
    expect((await ok('ipfs_pin_ls', {})).pins.map((p: any) => p.cid)).not.toContain(cid)
    expect(await ok('ipfs_pin_add', { cid })).toMatchObject({ cid, pinned: true })
    expect((await ok('ipfs_pin_ls', {})).pins.map((p: any) => p.cid)).toContain(cid)
    expect(await ok('ipfs_pin_rm', { cid })).toEqual({ cid, pinned: false, wasPinned: true })
    expect((await ok('ipfs_pin_ls', {})).pins.map((p: any) => p.cid)).not.toContain(cid)
    expect(errorMeta(await call('ipfs_pin_add', { cid: UNKNOWN })).code).toBe('NOT_FOUND')
  })

  it('round-trips a DAG through a CAR file and reads DAG-JSON and DAG-CBOR nodes', async () => {
    const leaf = await ok('ipfs_dag_put', { value: { name: 'leaf', n: 1 }, codec: 'dag-json' })
    const root = await ok('ipfs_dag_put', { value: { child: { '/': leaf.cid }, tags: ['a', 'b'] } })
    expect(root.codec).toBe('dag-cbor')
    expect(await ok('ipfs_dag_get', { cid: root.cid })).toEqual({
      cid: root.cid,
      codec: 'dag-cbor',
      value: { child: { '/': leaf.cid }, tags: ['a', 'b'] },
    })
    const exported = await ok('ipfs_convert_to_car', { cid: root.cid, path: 'graph.car' })
    expect(exported).toMatchObject({ roots: [root.cid] })
    const inline = await ok('ipfs_convert_to_car', { cid: root.cid })
    expect(inline.bytes).toBe(exported.bytes)

    const other = await startTestRelay()
    try {
      const c = await connectClient(other.url)
      const imported = await c.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'ipfs_import_car', params: { base64: inline.base64 } },
      })
      expect((imported.structuredContent as any).result).toEqual({ roots: [root.cid], blocks: 2 })
      const leafBack = await c.callTool({
        name: 'tools_dispatch',
        arguments: { tool: 'ipfs_dag_get', params: { cid: leaf.cid } },
      })
      expect((leafBack.structuredContent as any).result.value).toEqual({ name: 'leaf', n: 1 })
      const garbage = await c.callTool({
        name: 'tools_dispatch',
        arguments: {
          tool: 'ipfs_import_car',
          params: { base64: Buffer.from('not a car').toString('base64') },
        },
      })
      expect(errorMeta(garbage).problems[0].param).toBe('base64')
      await c.close()
    } finally {
      await other.close()
    }
  })

  it('refuses a path outside the roots, a bad CID and an unknown CID with clear errors', async () => {
    const outside = await call('ipfs_add', { path: '../../etc/passwd' })
    expect(errorMeta(outside).problems[0].param).toBe('path')
    const bad = await call('ipfs_cat', { cid: 'not-a-cid' })
    expect(errorMeta(bad)).toMatchObject({ code: 'INVALID_PARAMS' })
    const unknown = await call('ipfs_cat', {
      cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    })
    expect(errorMeta(unknown).code).toBe('NOT_FOUND')
  })
})
