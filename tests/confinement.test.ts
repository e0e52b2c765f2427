import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { beforeAll, describe, expect, it } from 'vitest'
import { errorMeta, toolHarness } from './helpers.ts'
import { onPath } from './requirements.ts'

// Issue 9, "Confinement leaks": directory walks, path parameters and media inputs must
// never read anything outside the data roots (`<data-dir>/files`).
const h = toolHarness()
const { call, ok } = h
const files = () => join(h.relay.components.config.dataDir, 'files')
const outside = () => join(h.relay.components.config.dataDir, 'outside')
const SECRET = 'the operator private key: 0123456789abcdef'

/** The CID a small file gets in IPFS (one raw leaf), so a test can ask whether its bytes were stored. */
async function rawCid(text: string): Promise<string> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text))).toString()
}

const hasFfmpeg = onPath('ffmpeg')

function ffmpeg(...args: string[]) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args])
}

beforeAll(() => {
  mkdirSync(join(outside(), 'dir'), { recursive: true })
  writeFileSync(join(outside(), 'secret.txt'), SECRET)
  writeFileSync(join(outside(), 'dir', 'inner-secret.txt'), `${SECRET} (inner)`)
  // Seven seconds of video outside the roots: a leak shows up as a 7 s duration. Without
  // ffmpeg the media suite, the only one that reads it as video, is skipped: a stand-in will do.
  if (!hasFfmpeg) {
    writeFileSync(join(outside(), 'secret.ts'), 'not a video: ffmpeg is not installed')
    return
  }
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc=duration=7:size=64x48:rate=5',
    '-c:v',
    'mpeg2video',
    '-f',
    'mpegts',
    join(outside(), 'secret.ts'),
  )
})

describe('directory walks never leave the roots through symbolic links', () => {
  beforeAll(() => {
    const site = join(files(), 'site')
    mkdirSync(join(site, 'sub'), { recursive: true })
    writeFileSync(join(site, 'index.html'), '<h1>hi</h1>')
    writeFileSync(join(site, 'sub', 'page.html'), '<p>page</p>')
    symlinkSync(join(outside(), 'secret.txt'), join(site, 'secret-link.txt'))
    symlinkSync(join(outside(), 'dir'), join(site, 'sub', 'outside-dir'))
    symlinkSync(join(site, 'index.html'), join(site, 'inside-link.html'))
    symlinkSync(site, join(site, 'sub', 'loop'))
    // A named pipe: reading it would block until someone writes.
    execFileSync('mkfifo', [join(site, 'pipe')])
  })

  it('ipfs_add of a directory leaves links out, lists them, and stores no byte from outside', async () => {
    const added = await ok('ipfs_add', { path: 'site' })
    expect(added.type).toBe('directory')
    expect(added.skippedSymlinks.sort()).toEqual([
      'inside-link.html',
      'secret-link.txt',
      'sub/loop',
      'sub/outside-dir',
    ])
    const top = await ok('ipfs_ls', { cid: added.cid })
    expect(top.entries.map((e: any) => e.name).sort()).toEqual(['index.html', 'sub'])
    const sub = top.entries.find((e: any) => e.name === 'sub')
    expect((await ok('ipfs_ls', { cid: sub.cid })).entries.map((e: any) => e.name)).toEqual(['page.html'])
    // A small file is one raw block: the check below would find the secret if it had been read.
    const indexCid = top.entries.find((e: any) => e.name === 'index.html').cid
    expect(indexCid).toBe(await rawCid('<h1>hi</h1>'))
    for (const text of [SECRET, `${SECRET} (inner)`]) {
      expect(errorMeta(await call('ipfs_stat', { cid: await rawCid(text) })).code).toBe('NOT_FOUND')
    }
  })

  it('special files are left out of walks and refused as paths, never read', async () => {
    const pipe = await call('ipfs_add', { path: 'site/pipe' })
    expect(errorMeta(pipe)).toMatchObject({ code: 'INVALID_PARAMS', problems: [{ param: 'path' }] })
    expect(errorMeta(await call('file_hash', { path: 'site/pipe' })).code).toBe('NOT_FOUND')
    expect(errorMeta(await call('media_probe', { path: 'site/pipe' })).code).toBe('NOT_FOUND')
  })

  it('file_list lists neither links nor what is behind them', async () => {
    const out = await ok('file_list', { dir: 'site' })
    expect(out.files.map((f: any) => f.path)).toEqual(['site/index.html', 'site/sub/page.html'])
  })

  it('a link to a folder outside cannot be walked or read as a path either', async () => {
    const dir = await call('file_list', { dir: 'site/sub/outside-dir' })
    expect(errorMeta(dir)).toMatchObject({ code: 'INVALID_PARAMS', problems: [{ param: 'dir' }] })
    const add = await call('ipfs_add', { path: 'site/secret-link.txt' })
    expect(errorMeta(add)).toMatchObject({ code: 'INVALID_PARAMS', problems: [{ param: 'path' }] })
    expect(JSON.stringify(add)).not.toContain('private key')
  })
})

describe('path parameters', () => {
  beforeAll(() => {
    symlinkSync(outside(), join(files(), 'out-link'))
    symlinkSync(join(outside(), 'missing'), join(files(), 'dangling'))
    symlinkSync(join(outside(), 'missing.mkv'), join(files(), 'dangling.mkv'))
    writeFileSync(join(files(), 'plain.txt'), 'plain')
  })

  const bad = () => [
    '../outside/secret.txt',
    'a/../../outside/secret.txt',
    join(outside(), 'secret.txt'),
    '/etc/hostname',
    'out-link/secret.txt',
    'out-link/dir/inner-secret.txt',
    'plain.txt\0.mp4',
    `${'x'.repeat(300)}.txt`,
    `${'d/'.repeat(2100)}f.txt`,
  ]

  it('reading tools refuse paths that leave the roots, NUL bytes and over-long paths, naming the parameter', async () => {
    for (const path of bad()) {
      for (const [tool, extra] of [
        ['file_hash', {}],
        ['file_detect_type', {}],
        ['media_probe', {}],
        ['ipfs_add', {}],
        ['ipfs_import_car', {}],
      ] as const) {
        const result = await call(tool, { path, ...extra })
        const label = `${tool} ${JSON.stringify(path.slice(0, 40))}`
        expect(errorMeta(result), label).toMatchObject({
          code: 'INVALID_PARAMS',
          problems: [{ param: 'path' }],
        })
        expect(JSON.stringify(result), label).not.toContain('private key')
      }
    }
  })

  it('writing tools refuse destinations outside the roots and dangling links, writing nothing', async () => {
    const { cid } = await ok('ipfs_add', { text: 'to be saved' })
    for (const path of [...bad(), 'dangling', 'dangling/x.car', 'out-link/new.car']) {
      const label = JSON.stringify(path.slice(0, 40))
      for (const [tool, params] of [
        ['ipfs_get', { cid, path }],
        ['ipfs_convert_to_car', { cid, path }],
      ] as const) {
        expect(errorMeta(await call(tool, params)), `${tool} ${label}`).toMatchObject({
          code: 'INVALID_PARAMS',
          problems: [{ param: 'path' }],
        })
      }
    }
    for (const output of [...bad().map((p) => `${p}.mkv`), 'dangling.mkv', 'out-link/new.mkv']) {
      const media = await call('media_convert', { path: 'plain.txt', output })
      expect(errorMeta(media), JSON.stringify(output.slice(0, 40))).toMatchObject({
        code: 'INVALID_PARAMS',
        problems: [{ param: 'output' }],
      })
    }
    expect(readdirSync(outside()).sort()).toEqual(['dir', 'secret.ts', 'secret.txt'])
  })

  it('a `..` that stays inside the roots is fine', async () => {
    expect((await ok('file_hash', { path: 'site/../plain.txt' })).bytes).toBe(5)
  })
})

describe('media inputs that name other files are refused, with real ffmpeg', { tags: ['ffmpeg'] }, () => {
  const secretTs = () => join(outside(), 'secret.ts')
  const attacks: Record<string, () => string> = {
    'hls.m3u8': () => `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:7,\n${secretTs()}\n#EXT-X-ENDLIST\n`,
    'hls-relative.m3u8': () =>
      '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:7,\n../outside/secret.ts\n#EXT-X-ENDLIST\n',
    'hls-protocols.m3u8': () =>
      `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:7,\nconcat:${secretTs()}|${secretTs()}\n#EXTINF:7,\nsubfile:,,start,0,end,0,,:${secretTs()}\n#EXTINF:7,\nfile:${secretTs()}\n#EXT-X-ENDLIST\n`,
    // The same playlist under a video's name: ffmpeg probes the bytes, not the name.
    'disguised.mp4': () => `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:7,\n${secretTs()}\n#EXT-X-ENDLIST\n`,
    'list.ffconcat': () => `ffconcat version 1.0\nfile '${secretTs()}'\n`,
    'list.txt': () => `ffconcat version 1.0\nfile 'file:${secretTs()}'\nfile '../outside/secret.ts'\n`,
    'manifest.mpd': () =>
      `<?xml version="1.0" encoding="UTF-8"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT7S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"><Period><AdaptationSet mimeType="video/mp2t"><Representation id="1" bandwidth="100000"><BaseURL>${secretTs()}</BaseURL></Representation></AdaptationSet></Period></MPD>\n`,
    'session.sdp': () =>
      'v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n',
  }

  beforeAll(() => {
    mkdirSync(join(files(), 'media'), { recursive: true })
    for (const [name, text] of Object.entries(attacks)) writeFileSync(join(files(), 'media', name), text())
  })

  it('media_probe refuses each with FORBIDDEN and reports nothing from the outside file', async () => {
    for (const name of Object.keys(attacks)) {
      const result = await call('media_probe', { path: `media/${name}` })
      expect(errorMeta(result), name).toMatchObject({ code: 'FORBIDDEN', problems: [{ param: 'path' }] })
      expect(JSON.stringify(result), name).not.toMatch(/durationSeconds|"7(\.0+)?"/)
    }
  })

  it('media_convert, media_thumbnail and media_extract_audio refuse them and write nothing', async () => {
    for (const name of Object.keys(attacks)) {
      const convert = await call('media_convert', { path: `media/${name}`, output: `media/${name}.mkv` })
      expect(errorMeta(convert).code, name).toBe('FORBIDDEN')
      const thumb = await call('media_thumbnail', { path: `media/${name}`, output: `media/${name}.png` })
      expect(errorMeta(thumb).code, name).toBe('FORBIDDEN')
      const audio = await call('media_extract_audio', { path: `media/${name}`, output: `media/${name}.wav` })
      expect(errorMeta(audio).code, name).toBe('FORBIDDEN')
    }
    expect(readdirSync(join(files(), 'media')).sort()).toEqual(Object.keys(attacks).sort())
  })

  it('an image sequence pattern is read as one literal file name, not expanded', async () => {
    // Five real frames that a pattern would pick up, and a literal "%03d" file that is not an image.
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'testsrc=duration=1:size=32x24:rate=5',
      join(files(), 'media', 'frame%03d.png'),
    )
    expect(existsSync(join(files(), 'media', 'frame005.png'))).toBe(true)
    writeFileSync(join(files(), 'media', 'frame%03d.png'), 'not an image')
    const result = await call('media_convert', { path: 'media/frame%03d.png', output: 'media/frames.gif' })
    // ffmpeg's probe calls it an image sequence by its name (refused) or finds no format (bad data).
    expect(['FORBIDDEN', 'BAD_DATA']).toContain(errorMeta(result).code)
    expect(existsSync(join(files(), 'media', 'frames.gif'))).toBe(false)
  })

  it('outputs are single-file containers: playlists, manifests and sequences are refused by name', async () => {
    copyFileSync(join(files(), 'media', 'frame001.png'), join(files(), 'media', 'still.png'))
    for (const output of [
      'media/out.m3u8',
      'media/out.mpd',
      'media/out%03d.png',
      'media/out.sdp',
      'media/out.txt',
    ]) {
      const result = await call('media_convert', { path: 'media/still.png', output })
      expect(errorMeta(result), output).toMatchObject({
        code: 'INVALID_PARAMS',
        problems: [{ param: 'output' }],
      })
    }
  })

  it('single-file media still works, and names that look like protocols are plain file names', async () => {
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'testsrc=duration=2:size=64x48:rate=5',
      join(files(), 'media', 'concat:clip.mkv'),
    )
    const probed = await ok('media_probe', { path: 'media/concat:clip.mkv' })
    expect(probed.format).toContain('matroska')
    expect(probed.durationSeconds).toBeCloseTo(2, 0)
    await ok('media_thumbnail', { path: 'media/concat:clip.mkv', output: 'media/clip.jpg' })
    expect((await ok('media_probe', { path: 'media/clip.jpg' })).streams[0].codec).toBe('mjpeg')
  })
})
