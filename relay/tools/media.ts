/** The `media` category: probe, convert, thumbnail and extract audio with the system ffmpeg. */
import { existsSync, statSync } from 'node:fs'
import { z } from 'zod'
import { McppError } from '../../shared/errors.ts'
import { READS, WRITES } from '../../shared/tool/annotations.ts'
import { defineTool } from '../../shared/tool/define-tool.ts'
import type { ToolCategory } from '../../shared/tool/types.ts'
import { writeAtomically } from '../files/atomic-write.ts'
import { confinePath } from '../files/confine-path.ts'
import { existingFile } from '../files/existing-path.ts'
import { pathParam } from '../files/path-param.ts'
import { mediaDownloadTool } from '../media/download-tool.ts'
import {
  confinedInput,
  confinedProbeInput,
  mediaFailure,
  OUTPUT_EXTENSIONS,
} from '../media/ffmpeg-confine.ts'
import { BinaryFailed, runBinary } from '../media/run-binary.ts'
import type { ToolDeps } from './tool-deps.ts'

export const MEDIA_CATEGORY = {
  name: 'media',
  description:
    'Audio and video through the system ffmpeg/ffprobe: probe streams, convert, thumbnails, extract audio; yt-dlp downloads when installed',
}

export type MediaToolDeps = Pick<ToolDeps, 'fileRoots' | 'media'>

const FFMPEG_HINT = 'install the Debian package ffmpeg'
const outputFile = pathParam.regex(
  new RegExp(`\\.(${OUTPUT_EXTENSIONS.join('|')})$`, 'i'),
  `a single-file container: ${OUTPUT_EXTENSIONS.map((e) => `.${e}`).join(', ')}`,
)
const source = pathParam.describe(
  'The audio or video file, under the file root (<data-dir>/files), relative to it',
)
const overwrite = z.boolean().default(false).describe('Replace an existing output file')
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

export function mediaTools({ fileRoots: roots, media: binaries }: MediaToolDeps): ToolCategory {
  const input = (path: string) => existingFile(path, roots)
  /**
   * Runs ffmpeg on `source` (confined: see confinedInput) into `output`, atomically; a
   * failure of ffmpeg is the input's fault.
   */
  const produce = async (
    path: string,
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
          await runBinary(binaries.ffmpeg, ['-hide_banner', '-nostdin', '-y', ...args(`file:${tmp}`)], {
            signal,
            installHint: FFMPEG_HINT,
          })
        },
        { keepExtension: true },
      )
    } catch (err) {
      if (err instanceof BinaryFailed) throw mediaFailure('path', path, err)
      throw err
    }
    return { path: output, bytes: statSync(target).size }
  }

  const probe = defineTool({
    name: 'media_probe',
    category: 'media',
    description:
      'Probe an audio or video file (ffprobe): container, duration, bit rate, and each stream with codec, size, rate, channels',
    input: z.object({ path: source }),
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
            [
              '-v',
              'error',
              '-print_format',
              'json',
              '-show_format',
              '-show_streams',
              ...confinedProbeInput(absolute),
            ],
            { signal: ctx.signal, installHint: FFMPEG_HINT },
          ))
        } catch (err) {
          if (err instanceof BinaryFailed) throw mediaFailure('path', path, err)
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
      path: source,
      output: outputFile.describe('e.g. clip.webm, clip.mp4, song.ogg'),
      videoCodec: codec.optional().describe('Default: the container default; "copy" keeps the stream'),
      audioCodec: codec.optional().describe('Default: the container default; "copy" keeps the stream'),
      overwrite,
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
        return produce(
          path,
          source,
          output,
          overwrite,
          (tmp) => [...confinedInput(source), ...codecs, tmp],
          ctx.signal,
        )
      },
    },
  })

  const thumbnail = defineTool({
    name: 'media_thumbnail',
    category: 'media',
    description:
      'Save one video frame as an image (PNG or JPEG by the output name) at a time offset, optionally scaled',
    input: z.object({
      path: source,
      output: pathParam
        .regex(/\.(png|jpe?g|webp)$/i, 'a .png, .jpg or .webp file name')
        .describe('The image to write (.png, .jpg or .webp), under the file root'),
      atSeconds: z.number().min(0).default(0).describe('The moment of the frame, in seconds from the start'),
      width: z
        .number()
        .int()
        .min(8)
        .max(8192)
        .optional()
        .describe('Scale to this width, keeping the aspect ratio'),
      overwrite,
    }),
    output: z.object({ path: z.string(), bytes: z.number().int() }),
    example: { path: 'clips/talk.mp4', output: 'clips/talk.png', atSeconds: 12.5, width: 320 },
    annotations: { title: 'Video thumbnail', ...WRITES },
    handlers: {
      local: async ({ path, output, atSeconds, width, overwrite }, ctx) => {
        const source = input(path)
        const scale = width ? ['-vf', `scale=${width}:-2`] : []
        // `-update 1`: one image, never a numbered sequence, whatever the name holds.
        const out = await produce(
          path,
          source,
          output,
          overwrite,
          (tmp) => [
            '-ss',
            String(atSeconds),
            ...confinedInput(source),
            '-frames:v',
            '1',
            ...scale,
            '-update',
            '1',
            tmp,
          ],
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
      path: source,
      output: pathParam
        .regex(/\.(mp3|wav|m4a|aac|ogg|opus|flac)$/i, 'an audio file name (.mp3, .wav, .m4a, .ogg, .flac)')
        .describe('The audio file to write, under the file root; its extension picks the format'),
      sampleRate: z.number().int().min(8_000).max(192_000).optional().describe('Hz (default: as the source)'),
      overwrite,
    }),
    output: z.object({ path: z.string(), bytes: z.number().int() }),
    example: { path: 'clips/talk.mp4', output: 'clips/talk.mp3' },
    annotations: { title: 'Extract audio', ...WRITES },
    handlers: {
      local: ({ path, output, sampleRate, overwrite }, ctx) => {
        const source = input(path)
        const rateArgs = sampleRate ? ['-ar', String(sampleRate)] : []
        return produce(
          path,
          source,
          output,
          overwrite,
          (tmp) => [...confinedInput(source), '-vn', ...rateArgs, tmp],
          ctx.signal,
        )
      },
    },
  })

  return {
    info: MEDIA_CATEGORY,
    tools: [probe, convert, thumbnail, extractAudio, mediaDownloadTool(roots, binaries.ytDlp)],
  }
}
