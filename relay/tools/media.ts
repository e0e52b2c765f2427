/** The `media` category: probe, convert, thumbnail and extract audio with the system ffmpeg. */
import { existsSync, mkdirSync, statSync } from 'node:fs'

import { z } from 'zod'
import { McppError } from '../../shared/errors.ts'
import { READS, WRITES } from '../../shared/tool/annotations.ts'
import { defineTool } from '../../shared/tool/define-tool.ts'
import { writeAtomically } from '../files/atomic-write.ts'
import { confinePath } from '../files/confine-path.ts'
import { BinaryFailed, runBinary } from '../media/run-binary.ts'

export const MEDIA_CATEGORY = {
  name: 'media',
  description:
    'Audio and video through the system ffmpeg/ffprobe: probe streams, convert, thumbnails, extract audio; yt-dlp downloads when installed',
}

export interface MediaBinaries {
  ffmpeg: string
  ffprobe: string
  ytDlp: string
}
export const DEFAULT_MEDIA_BINARIES: MediaBinaries = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe', ytDlp: 'yt-dlp' }

const FFMPEG_HINT = 'install the Debian package ffmpeg'
const codec = z.string().regex(/^[a-z0-9_-]{1,32}$/, 'an ffmpeg codec name, e.g. libx264, aac, copy')

const stream = z.object({
  index: z.number().int(),
  type: z.string(),
  codec: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  frameRate: z.number().optional(),
  sampleRate: z.number().int().optional(),
  channels: z.number().int().optional(),
})
const probed = z.object({
  path: z.string(),
  format: z.string(),
  durationSeconds: z.number().nullable(),
  bytes: z.number().int(),
  bitRate: z.number().nullable(),
  streams: z.array(stream),
})

const num = (v: unknown): number | null =>
  v === undefined || v === null || Number.isNaN(Number(v)) ? null : Number(v)
const rate = (r: unknown): number | undefined => {
  const [a, b] = String(r ?? '')
    .split('/')
    .map(Number)
  return a && b ? a / b : undefined
}

export function mediaTools(roots: readonly string[], binaries: MediaBinaries = DEFAULT_MEDIA_BINARIES) {
  const input = (path: string) => {
    const absolute = confinePath(path, roots)
    if (!existsSync(absolute) || !statSync(absolute).isFile()) {
      throw new McppError('NOT_FOUND', `path: "${path}" is not a file`)
    }
    return absolute
  }
  /** Runs ffmpeg into `output` (atomically); a failure of ffmpeg is the input's fault. */
  const produce = async (
    source: string,
    output: string,
    overwrite: boolean,
    args: (tmp: string) => string[],
    signal: AbortSignal,
  ) => {
    const target = confinePath(output, roots, 'output')
    if (target === source) {
      throw new McppError('INVALID_PARAMS', 'output: the output would overwrite the input', {
        problems: [{ param: 'output', problem: 'same as path' }],
      })
    }
    if (existsSync(target) && !overwrite) {
      throw new McppError('CONFLICT', `output: "${output}" exists (pass overwrite: true to replace it)`)
    }
    try {
      await writeAtomically(
        target,
        async (tmp) => {
          await runBinary(binaries.ffmpeg, ['-hide_banner', '-nostdin', '-y', ...args(tmp)], {
            signal,
            installHint: FFMPEG_HINT,
          })
        },
        { keepExtension: true },
      )
    } catch (err) {
      if (err instanceof BinaryFailed) throw new McppError('BAD_DATA', err.message)
      throw err
    }
    return { path: output, bytes: statSync(target).size }
  }

  const probe = defineTool({
    name: 'media_probe',
    category: 'media',
    description:
      'Probe an audio or video file (ffprobe): container, duration, bit rate, and each stream with codec, size, rate, channels',
    input: z.object({ path: z.string().min(1) }),
    output: probed,
    example: { path: 'clips/talk.mp4' },
    annotations: { title: 'Probe media', ...READS },
    handlers: {
      local: async ({ path }, ctx) => {
        const absolute = input(path)
        let stdout: string
        try {
          ;({ stdout } = await runBinary(
            binaries.ffprobe,
            ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', absolute],
            { signal: ctx.signal, installHint: FFMPEG_HINT },
          ))
        } catch (err) {
          if (err instanceof BinaryFailed)
            throw new McppError('BAD_DATA', `${path} is not readable media: ${err.message}`)
          throw err
        }
        const info = JSON.parse(stdout) as {
          format?: Record<string, unknown>
          streams?: Array<Record<string, unknown>>
        }
        return {
          path,
          format: String(info.format?.format_name ?? 'unknown'),
          durationSeconds: num(info.format?.duration),
          bytes: statSync(absolute).size,
          bitRate: num(info.format?.bit_rate),
          streams: (info.streams ?? []).map((s) => ({
            index: Number(s.index),
            type: String(s.codec_type ?? 'unknown'),
            codec: s.codec_name === undefined ? null : String(s.codec_name),
            durationSeconds: num(s.duration),
            ...(s.width === undefined ? {} : { width: Number(s.width), height: Number(s.height) }),
            ...(rate(s.avg_frame_rate) === undefined || s.codec_type !== 'video'
              ? {}
              : { frameRate: rate(s.avg_frame_rate) }),
            ...(s.sample_rate === undefined
              ? {}
              : { sampleRate: Number(s.sample_rate), channels: Number(s.channels) }),
          })),
        }
      },
    },
  })

  const convert = defineTool({
    name: 'media_convert',
    category: 'media',
    description:
      "Convert audio or video to another container or codec (ffmpeg); the output's extension picks the container",
    input: z.object({
      path: z.string().min(1),
      output: z.string().min(1).describe('e.g. clip.webm, clip.mp4, song.ogg'),
      videoCodec: codec.optional().describe('Default: the container default; "copy" keeps the stream'),
      audioCodec: codec.optional(),
      overwrite: z.boolean().default(false),
    }),
    output: z.object({ path: z.string(), bytes: z.number().int() }),
    example: { path: 'clips/talk.mov', output: 'clips/talk.mp4', videoCodec: 'libx264', audioCodec: 'aac' },
    annotations: { title: 'Convert media', ...WRITES },
    handlers: {
      local: ({ path, output, videoCodec, audioCodec, overwrite }, ctx) => {
        const source = input(path)
        const codecs = [
          ...(videoCodec ? ['-c:v', videoCodec] : []),
          ...(audioCodec ? ['-c:a', audioCodec] : []),
        ]
        return produce(source, output, overwrite, (tmp) => ['-i', source, ...codecs, tmp], ctx.signal)
      },
    },
  })

  const thumbnail = defineTool({
    name: 'media_thumbnail',
    category: 'media',
    description:
      'Save one video frame as an image (PNG or JPEG by the output name) at a time offset, optionally scaled',
    input: z.object({
      path: z.string().min(1),
      output: z.string().regex(/\.(png|jpe?g|webp)$/i, 'a .png, .jpg or .webp file name'),
      atSeconds: z.number().min(0).default(0),
      width: z
        .number()
        .int()
        .min(8)
        .max(8192)
        .optional()
        .describe('Scale to this width, keeping the aspect ratio'),
      overwrite: z.boolean().default(false),
    }),
    output: z.object({ path: z.string(), bytes: z.number().int() }),
    example: { path: 'clips/talk.mp4', output: 'clips/talk.png', atSeconds: 12.5, width: 320 },
    annotations: { title: 'Video thumbnail', ...WRITES },
    handlers: {
      local: async ({ path, output, atSeconds, width, overwrite }, ctx) => {
        const source = input(path)
        const scale = width ? ['-vf', `scale=${width}:-2`] : []
        const out = await produce(
          source,
          output,
          overwrite,
          (tmp) => ['-ss', String(atSeconds), '-i', source, '-frames:v', '1', ...scale, tmp],
          ctx.signal,
        )
        if (out.bytes === 0) throw new McppError('BAD_DATA', `no frame at ${atSeconds} s in ${path}`)
        return out
      },
    },
  })

  const extractAudio = defineTool({
    name: 'media_extract_audio',
    category: 'media',
    description:
      'Extract the audio track of a video to an audio file (.mp3, .wav, .m4a, .ogg, .flac by the output name)',
    input: z.object({
      path: z.string().min(1),
      output: z
        .string()
        .regex(/\.(mp3|wav|m4a|aac|ogg|opus|flac)$/i, 'an audio file name (.mp3, .wav, .m4a, .ogg, .flac)'),
      sampleRate: z.number().int().min(8_000).max(192_000).optional(),
      overwrite: z.boolean().default(false),
    }),
    output: z.object({ path: z.string(), bytes: z.number().int() }),
    example: { path: 'clips/talk.mp4', output: 'clips/talk.mp3' },
    annotations: { title: 'Extract audio', ...WRITES },
    handlers: {
      local: ({ path, output, sampleRate, overwrite }, ctx) => {
        const source = input(path)
        const rateArgs = sampleRate ? ['-ar', String(sampleRate)] : []
        return produce(
          source,
          output,
          overwrite,
          (tmp) => ['-i', source, '-vn', ...rateArgs, tmp],
          ctx.signal,
        )
      },
    },
  })

  const ytDlp = defineTool({
    name: 'media_download',
    category: 'media',
    description:
      'Download a video or its audio from a video site with yt-dlp into the data roots; needs yt-dlp and network access, and says so when either is missing',
    input: z.object({
      url: z.string().url(),
      dir: z.string().default('downloads').describe('Folder under the data roots'),
      audioOnly: z.boolean().default(false),
    }),
    output: z.object({ files: z.array(z.string()) }),
    example: { url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', audioOnly: true },
    annotations: {
      title: 'Download with yt-dlp',
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    },
    handlers: {
      local: async ({ url, dir, audioOnly }, ctx) => {
        const folder = confinePath(dir, roots, 'dir')
        mkdirSync(folder, { recursive: true })
        try {
          const { stdout } = await runBinary(
            binaries.ytDlp,
            [
              '--no-playlist',
              '--no-progress',
              ...(audioOnly ? ['-x'] : []),
              '-o',
              `${folder}/%(title).100B [%(id)s].%(ext)s`,
              '--print',
              'after_move:filepath',
              url,
            ],
            { signal: ctx.signal, installHint: 'install yt-dlp, e.g. the Debian package yt-dlp' },
          )
          const root = roots[0] as string
          return {
            files: stdout
              .trim()
              .split('\n')
              .filter(Boolean)
              .map((f) => f.replace(`${root}/`, '')),
          }
        } catch (err) {
          if (!(err instanceof BinaryFailed)) throw err
          const network = /resolve|network|connection|timed out|unreachable|getaddrinfo|urlopen/i.test(
            err.stderr,
          )
          throw new McppError(
            network ? 'UNAVAILABLE' : 'BAD_DATA',
            network ? `no network access: ${err.message}` : err.message,
          )
        }
      },
    },
  })

  return { info: MEDIA_CATEGORY, tools: [probe, convert, thumbnail, extractAudio, ytDlp] }
}
