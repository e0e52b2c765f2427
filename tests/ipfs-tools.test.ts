import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarWriter } from '@ipld/car'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectClient, errorMeta, startTestRelay, toolHarness } from './helpers.ts'
import { exited, spawnRelay } from './relay-process.ts'

const UNKNOWN = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const h = toolHarness()
const { call, ok } = h

describe('ipfs tools', () => {
  it('adds text and reads it back by CID', async () => {
    const added = await ok('ipfs_add', { text: 'hello ipfs' })
    expect(added).toMatchObject({ type: 'file', size: 10, pinned: true })
    expect((await ok('ipfs_cat', { cid: added.cid })).content).toBe('hello ipfs')
    expect((await ok('ipfs_cat', { cid: added.cid, offset: 6, length: 4 })).content).toBe('ipfs')
    // Past the end of the file: a clear error naming the parameter (the fuzz suite found INTERNAL).
    const past = await call('ipfs_cat', { cid: added.cid, offset: 11 })
    expect(errorMeta(past)).toMatchObject({ code: 'INVALID_PARAMS', problems: [{ param: 'offset' }] })
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

// Issue 9: missing, malformed, forged and repetitive content must end in a clear error
// from every ipfs tool, leave no rejected promise behind, and never stall the relay.
describe('ipfs tools on hostile content', () => {
  const rejections: unknown[] = []
  const probe = (reason: unknown) => rejections.push(reason)
  beforeAll(() => {
    process.on('unhandledRejection', probe)
  })
  afterAll(() => {
    process.off('unhandledRejection', probe)
  })
  const files = () => join(h.relay.components.config.dataDir, 'files')
  const code = async (tool: string, params: Record<string, unknown>) =>
    errorMeta(await call(tool, params)).code

  /** Imports blocks without pinning them (a DAG with holes, or malformed nodes). */
  async function store(roots: CID[], blocks: Block[]) {
    return ok('ipfs_import_car', { base64: await carBase64(roots, blocks), pin: false })
  }

  it('answers NOT_FOUND from every tool for content the relay does not hold', async () => {
    for (const cid of [UNKNOWN, UNKNOWN_CBOR, UNKNOWN_V0]) {
      expect(await code('ipfs_convert_to_car', { cid }), cid).toBe('NOT_FOUND')
      expect(await code('ipfs_convert_to_car', { cid, path: 'missing.car' }), cid).toBe('NOT_FOUND')
      expect(await code('ipfs_pin_add', { cid }), cid).toBe('NOT_FOUND')
      expect(await code('ipfs_cat', { cid }), cid).toBe('NOT_FOUND')
      expect(await code('ipfs_ls', { cid }), cid).toBe('NOT_FOUND')
      expect(await code('ipfs_stat', { cid }), cid).toBe('NOT_FOUND')
      expect(await code('ipfs_get', { cid, path: 'missing-out' }), cid).toBe('NOT_FOUND')
      expect(await code('vector_load_ipfs', { cid, name: 'nothing' }), cid).toBe('NOT_FOUND')
    }
    expect(await code('ipfs_dag_get', { cid: UNKNOWN_CBOR })).toBe('NOT_FOUND')
    expect(existsSync(join(files(), 'missing.car'))).toBe(false)
    expect(existsSync(join(files(), 'missing-out'))).toBe(false)
    expect(await ok('ipfs_add', { text: 'still serving' })).toMatchObject({ size: 13 })
    expect(rejections).toEqual([])
  })

  it('a DAG with a missing block is NOT_FOUND naming that block, and pins nothing', async () => {
    const root = await ok('ipfs_dag_put', { value: { child: { '/': UNKNOWN_CBOR } } })
    const car = errorMeta(await call('ipfs_convert_to_car', { cid: root.cid }))
    expect(car).toMatchObject({ code: 'NOT_FOUND', missing: UNKNOWN_CBOR })
    expect(errorMeta(await call('ipfs_pin_add', { cid: root.cid }))).toMatchObject({
      code: 'NOT_FOUND',
      missing: UNKNOWN_CBOR,
    })
    expect((await ok('ipfs_pin_ls', {})).pins.map((p: any) => p.cid)).not.toContain(root.cid)

    // UnixFS: a folder whose entry is missing, and a file with a missing chunk.
    const present = await rawBlock('present')
    const dir = await pbDir([
      { name: 'gone.txt', cid: CID.parse(UNKNOWN) },
      { name: 'here.txt', cid: present.cid },
    ])
    const file = await pbFile([
      { cid: present.cid, size: 7 },
      { cid: CID.parse(UNKNOWN), size: 7 },
    ])
    await store([dir.cid, file.cid], [present, dir, file])
    expect(await code('ipfs_ls', { cid: dir.cid.toString() })).toBe('NOT_FOUND')
    expect(await code('ipfs_get', { cid: dir.cid.toString(), path: 'holey-dir' })).toBe('NOT_FOUND')
    expect(await code('ipfs_cat', { cid: file.cid.toString() })).toBe('NOT_FOUND')
    expect(await code('ipfs_get', { cid: file.cid.toString(), path: 'holey-file' })).toBe('NOT_FOUND')
    for (const cid of [dir.cid, file.cid]) {
      expect(await code('ipfs_convert_to_car', { cid: cid.toString() })).toBe('NOT_FOUND')
      expect(await code('ipfs_pin_add', { cid: cid.toString() })).toBe('NOT_FOUND')
    }
    expect(readdirSync(files()).filter((f) => f.startsWith('holey') || f.includes('partial'))).toEqual([])
    // The same CAR with pinning asked for says the DAG is incomplete.
    const pinned = await call('ipfs_import_car', { base64: await carBase64([dir.cid], [present, dir]) })
    expect(errorMeta(pinned)).toMatchObject({ code: 'BAD_DATA', missing: UNKNOWN })
    expect(rejections).toEqual([])
  })

  it('malformed nodes are BAD_DATA, not a crash or INTERNAL', async () => {
    // Bytes that hash to their CID but are not a dag-pb node.
    const garbage = await blockOf(dagPb.code, new TextEncoder().encode('\xff\xff not protobuf'))
    // A file node that declares 100 bytes over a 7-byte chunk.
    const leaf = await rawBlock('7 bytes')
    const liar = await pbFile([{ cid: leaf.cid, size: 100 }])
    await store([garbage.cid, liar.cid], [garbage, leaf, liar])
    const g = garbage.cid.toString()
    for (const [tool, params] of [
      ['ipfs_cat', { cid: g }],
      ['ipfs_ls', { cid: g }],
      ['ipfs_stat', { cid: g }],
      ['ipfs_get', { cid: g, path: 'garbage-out' }],
      ['ipfs_convert_to_car', { cid: g }],
      ['ipfs_pin_add', { cid: g }],
      ['ipfs_cat', { cid: liar.cid.toString() }],
    ] as const) {
      expect(await code(tool, params), `${tool} ${JSON.stringify(params)}`).toBe('BAD_DATA')
    }
    expect(rejections).toEqual([])
  })

  it('a CAR block whose bytes do not match its CID is refused and never stored', async () => {
    const honest = await rawBlock('honest bytes')
    const forged = { cid: honest.cid, bytes: new TextEncoder().encode('forged bytes') }
    const result = await call('ipfs_import_car', { base64: await carBase64([honest.cid], [forged]) })
    expect(errorMeta(result)).toMatchObject({ code: 'BAD_DATA', cid: honest.cid.toString() })
    expect(await code('ipfs_stat', { cid: honest.cid.toString() })).toBe('NOT_FOUND')
  })

  it('walks each block once: a DAG with 64^12 paths pins and exports at once', async () => {
    let level = await ok('ipfs_dag_put', { value: { leaf: true } })
    for (let i = 0; i < 12; i++) {
      level = await ok('ipfs_dag_put', { value: { level: i, links: Array(64).fill({ '/': level.cid }) } })
    }
    expect(await ok('ipfs_pin_add', { cid: level.cid })).toMatchObject({ pinned: true, blocks: 13 })
    const car = await ok('ipfs_convert_to_car', { cid: level.cid })
    expect(car.bytes).toBeLessThan(64 * 1024)
    expect(await ok('ipfs_pin_rm', { cid: level.cid })).toMatchObject({ wasPinned: true })
  })

  it('a file that claims gigabytes is read by range, never saved whole', async () => {
    // 8 bytes, linked 1024 times per level: 8 KiB, 8 MiB, then 8 GiB from four small blocks.
    let node: Block = await rawBlock('abcdefgh')
    let size = 8
    const blocks = [node]
    for (let i = 0; i < 3; i++) {
      node = await pbFile(Array.from({ length: 1024 }, () => ({ cid: node.cid, size })))
      size *= 1024
      blocks.push(node)
    }
    const cid = node.cid.toString()
    await store([node.cid], blocks)
    expect(await ok('ipfs_stat', { cid })).toMatchObject({ type: 'file', size: 8 * 1024 ** 3 })
    const slice = await ok('ipfs_cat', { cid, offset: 5 * 1024 ** 3 + 4, length: 12 })
    expect(slice.content).toBe('efghabcdefgh')
    expect(errorMeta(await call('ipfs_get', { cid, path: 'huge.bin' }))).toMatchObject({
      code: 'INVALID_PARAMS',
      problems: [{ param: 'cid' }],
    })
    expect(existsSync(join(files(), 'huge.bin'))).toBe(false)
    expect(await ok('ipfs_pin_add', { cid })).toMatchObject({ blocks: 4 })
    expect(rejections).toEqual([])
  })
})

describe('the task block store', () => {
  it('answers a block it lacks, or a malformed CID, without asking the network', async () => {
    const content = h.relay.components.content
    // Offline: with a network lookup this would wait until the test timed out.
    expect(await content.get(UNKNOWN)).toBeUndefined()
    expect(await content.get('not a cid')).toBeUndefined()
    const cid = await content.put(new TextEncoder().encode('{"a":1'))
    expect(new TextDecoder().decode(await content.get(cid))).toBe('{"a":1')
    await expect(content.getJson(cid)).rejects.toMatchObject({ code: 'BAD_DATA' })
    await expect(content.getJson(UNKNOWN)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })
})

describe('a relay process after ipfs calls on missing content', () => {
  it('is still alive and serving, with no unhandled rejection logged', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-ipfs-crash-'))
    const relay = await spawnRelay([
      '--port',
      '0',
      '--p2p-port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
    ])
    let stderr = ''
    relay.child.stderr?.on('data', (d) => {
      stderr += d
    })
    const client = await connectClient(relay.url)
    const dispatch = (tool: string, params: Record<string, unknown>) =>
      client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
    try {
      expect(errorMeta(await dispatch('ipfs_convert_to_car', { cid: UNKNOWN })).code).toBe('NOT_FOUND')
      const root = (await dispatch('ipfs_dag_put', { value: { child: { '/': UNKNOWN_CBOR } } }))
        .structuredContent as any
      expect(errorMeta(await dispatch('ipfs_convert_to_car', { cid: root.result.cid })).code).toBe(
        'NOT_FOUND',
      )
      expect(errorMeta(await dispatch('ipfs_pin_add', { cid: root.result.cid })).code).toBe('NOT_FOUND')
      // The old walker's rejection surfaced while the failing call was still running; a
      // full round trip of further work afterwards is the point by which it had crashed.
      const added = await dispatch('ipfs_add', { text: 'after' })
      expect(added.isError).toBeFalsy()
      const health = await fetch(`${relay.url}/healthz`)
      expect(health.status).toBe(200)
      expect(relay.child.exitCode).toBeNull()
      expect(stderr).not.toMatch(/unhandled|BlockNotFound/i)
    } finally {
      await client.close()
      relay.child.kill('SIGTERM')
      await exited(relay.child)
    }
  })
})

const UNKNOWN_CBOR = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const UNKNOWN_V0 = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'

interface Block {
  cid: CID
  bytes: Uint8Array
}

async function blockOf(code: number, bytes: Uint8Array): Promise<Block> {
  return { cid: CID.createV1(code, await sha256.digest(bytes)), bytes }
}

function rawBlock(text: string): Promise<Block> {
  return blockOf(raw.code, new TextEncoder().encode(text))
}

function pbFile(chunks: Array<{ cid: CID; size: number }>): Promise<Block> {
  const data = new UnixFS({ type: 'file', blockSizes: chunks.map((c) => BigInt(c.size)) })
  const node = dagPb.prepare({
    Data: data.marshal(),
    Links: chunks.map((c) => ({ Hash: c.cid, Tsize: c.size })),
  })
  return blockOf(dagPb.code, dagPb.encode(node))
}

function pbDir(entries: Array<{ name: string; cid: CID }>): Promise<Block> {
  const node = dagPb.prepare({
    Data: new UnixFS({ type: 'directory' }).marshal(),
    Links: entries.map((e) => ({ Hash: e.cid, Name: e.name, Tsize: 0 })),
  })
  return blockOf(dagPb.code, dagPb.encode(node))
}

/** A CAR v1 holding exactly these blocks (any may be missing, forged or malformed). */
async function carBase64(roots: CID[], blocks: Block[]): Promise<string> {
  const { writer, out } = CarWriter.create(roots)
  const collected = (async () => {
    const chunks: Uint8Array[] = []
    for await (const chunk of out) chunks.push(chunk)
    return Buffer.concat(chunks)
  })()
  for (const block of blocks) await writer.put(block)
  await writer.close()
  return (await collected).toString('base64')
}
