import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, errorMeta, startTestRelay, toolHarness } from './helpers.ts'

const h = toolHarness()
const { call, ok } = h
const files = () => join(h.relay.components.config.dataDir, 'files')

describe('media tools', { tags: ['ffmpeg'] }, () => {
  beforeAll(() => {
    // Two seconds of a test pattern (320×240, 10 fps) with a 440 Hz tone, made by ffmpeg itself.
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=duration=2:size=320x240:rate=10',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:duration=2:sample_rate=44100',
      '-c:v',
      'mpeg4',
      '-c:a',
      'aac',
      '-shortest',
      join(files(), 'clip.mp4'),
    ])
  })

  it('probes container and streams', async () => {
    const out = await ok('media_probe', { path: 'clip.mp4' })
    expect(out.format).toContain('mp4')
    expect(out.durationSeconds).toBeCloseTo(2, 0)
    const video = out.streams.find((s: any) => s.type === 'video')
    const audio = out.streams.find((s: any) => s.type === 'audio')
    expect(video).toMatchObject({ codec: 'mpeg4', width: 320, height: 240, frameRate: 10 })
    expect(audio).toMatchObject({ codec: 'aac', sampleRate: 44100, channels: 1 })
  })

  it('converts to another container and codec', async () => {
    const out = await ok('media_convert', {
      path: 'clip.mp4',
      output: 'clip.mkv',
      videoCodec: 'libx264',
      audioCodec: 'copy',
    })
    expect(out.path).toBe('clip.mkv')
    const probed = await ok('media_probe', { path: 'clip.mkv' })
    expect(probed.format).toContain('matroska')
    expect(probed.streams.map((s: any) => s.codec).sort()).toEqual(['aac', 'h264'])
  })

  it('makes a scaled thumbnail', async () => {
    await ok('media_thumbnail', { path: 'clip.mp4', output: 'thumbs/frame.png', atSeconds: 1, width: 160 })
    const probed = await ok('media_probe', { path: 'thumbs/frame.png' })
    expect(probed.streams[0]).toMatchObject({ codec: 'png', width: 160, height: 120 })
    expect((await ok('file_detect_type', { path: 'thumbs/frame.png' })).mime).toBe('image/png')
  })

  it('extracts the audio track', async () => {
    await ok('media_extract_audio', { path: 'clip.mp4', output: 'tone.wav', sampleRate: 16000 })
    const probed = await ok('media_probe', { path: 'tone.wav' })
    expect(probed.streams).toHaveLength(1)
    expect(probed.streams[0]).toMatchObject({ type: 'audio', codec: 'pcm_s16le', sampleRate: 16000 })
    expect(probed.durationSeconds).toBeCloseTo(2, 0)
  })

  it('reports bad media, bad paths and existing outputs, leaving nothing partial', async () => {
    writeFileSync(join(files(), 'fake.mp4'), 'this is not a video')
    expect(errorMeta(await call('media_probe', { path: 'fake.mp4' })).code).toBe('BAD_DATA')
    expect(errorMeta(await call('media_convert', { path: 'fake.mp4', output: 'fake.mkv' })).code).toBe(
      'BAD_DATA',
    )
    expect(readdirSync(files()).filter((f) => f.includes('partial'))).toEqual([])
    expect(existsSync(join(files(), 'fake.mkv'))).toBe(false)
    expect(errorMeta(await call('media_probe', { path: '/etc/hostname' })).problems[0].param).toBe('path')
    expect(
      errorMeta(await call('media_convert', { path: 'clip.mp4', output: '../../out.mkv' })).problems[0].param,
    ).toBe('output')
    expect(errorMeta(await call('media_convert', { path: 'clip.mp4', output: 'clip.mkv' })).code).toBe(
      'CONFLICT',
    )
    expect(
      errorMeta(await call('media_thumbnail', { path: 'clip.mp4', output: 'x.gif' })).problems[0].param,
    ).toBe('output')
    expect(
      errorMeta(await call('media_convert', { path: 'clip.mp4', output: 'y.mkv', videoCodec: 'x; rm -rf /' }))
        .problems[0].param,
    ).toBe('videoCodec')
  })
})

describe('media tools without the programs', () => {
  let relay: RunningRelay
  beforeAll(async () => {
    relay = await startTestRelay(
      {},
      {
        media: {
          ffmpeg: 'mcpp-no-such-ffmpeg',
          ffprobe: 'mcpp-no-such-ffprobe',
          ytDlp: 'mcpp-no-such-yt-dlp',
        },
      },
    )
  })
  afterAll(async () => {
    await relay?.close()
  })

  it('says which program is missing, and how to get it', async () => {
    const client = await connectClient(relay.url)
    writeFileSync(join(relay.components.config.dataDir, 'files', 'a.mp4'), 'x')
    const dispatch = (tool: string, params: Record<string, unknown>) =>
      client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
    const probe = await dispatch('media_probe', { path: 'a.mp4' })
    expect(errorMeta(probe)).toMatchObject({ code: 'UNAVAILABLE' })
    expect(JSON.stringify(probe.content)).toMatch(/mcpp-no-such-ffprobe is not installed.*ffmpeg/)
    const ytdlp = await dispatch('media_download', { url: 'https://example.com/watch?v=1' })
    expect(errorMeta(ytdlp).code).toBe('UNAVAILABLE')
    expect(JSON.stringify(ytdlp.content)).toMatch(/yt-dlp/)
    await client.close()
  })
})
