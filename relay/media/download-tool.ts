import { mkdirSync } from 'node:fs'
import { z } from 'zod'
import { McppError } from '../../shared/errors.ts'
import { defineTool } from '../../shared/tool/define-tool.ts'
import { confinePath } from '../files/confine-path.ts'
import { pathParam } from '../files/path-param.ts'
import { BinaryFailed, runBinary } from './run-binary.ts'

/**
 * `media_download`: yt-dlp into a folder of the data roots. Only http(s) URLs: yt-dlp
 * refuses `file:` URLs itself, and the schema says so before it runs.
 */
export function mediaDownloadTool(roots: readonly string[], ytDlp: string) {
  return defineTool({
    name: 'media_download',
    category: 'media',
    description:
      'Download a video or its audio from a video site with yt-dlp into the data roots; needs yt-dlp and network access, and says so when either is missing',
    input: z.object({
      url: z
        .string()
        .url()
        .regex(/^https?:\/\//i, 'an http(s) URL')
        .max(4096)
        .describe('The page of the video (http or https)'),
      dir: pathParam
        .default('downloads')
        .describe('Folder to download into, under the file root (<data-dir>/files), relative to it'),
      audioOnly: z.boolean().default(false).describe('Keep only the audio'),
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
            ytDlp,
            [
              '--no-playlist',
              '--no-progress',
              ...(audioOnly ? ['-x'] : []),
              '-o',
              `${folder}/%(title).100B [%(id)s].%(ext)s`,
              '--print',
              'after_move:filepath',
              '--',
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
}
