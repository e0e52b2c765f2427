import { McppError } from '../../shared/errors.ts'
import type { BinaryFailed } from './run-binary.ts'

/**
 * Demuxers that read only the one file they are given. Everything else is refused,
 * above all the formats whose content names other files or URLs, which ffmpeg would
 * open wherever they point (issue 9): HLS playlists (hls), ffconcat lists (concat),
 * DASH and WebM-DASH manifests, SDP (RTP sessions), image sequence patterns (image2,
 * which also expands `%d` in the input's own name), VobSub (opens a sibling .sub),
 * ffmetadata, subtitle formats, lavfi graphs (`movie=` reads any file), AviSynth and
 * VapourSynth scripts, and MXF. In `mov`, external data references stay off (ffmpeg's
 * `enable_drefs` defaults to 0).
 */
export const SINGLE_FILE_DEMUXERS = [
  'mov',
  'matroska',
  'avi',
  'flv',
  'mpegts',
  'mpeg',
  'ogg',
  'asf',
  'mp3',
  'wav',
  'w64',
  'flac',
  'aac',
  'ac3',
  'eac3',
  'aiff',
  'caf',
  'amr',
  'ape',
  'tta',
  'dts',
  'truehd',
  'ivf',
  'h264',
  'hevc',
  'm4v',
  'mpegvideo',
  'mjpeg',
  'obu',
  'gif',
  'apng',
  'gif_pipe',
  'png_pipe',
  'jpeg_pipe',
  'webp_pipe',
  'bmp_pipe',
  'tiff_pipe',
] as const

/**
 * The options that go before an input, and the input itself. `-format_whitelist` makes
 * ffmpeg refuse any demuxer not listed, whatever the probe finds; `-protocol_whitelist
 * file` refuses every other protocol (`concat:`, `subfile:`, `data:`, `http:`, `crypto:`,
 * `pipe:` …) for the input and anything it opens; the explicit `file:` prefix keeps the
 * path from being read as a protocol URL. Both options are inherited by nested opens.
 */
export function confinedInput(path: string): string[] {
  return [
    '-protocol_whitelist',
    'file',
    '-format_whitelist',
    SINGLE_FILE_DEMUXERS.join(','),
    '-i',
    `file:${path}`,
  ]
}

/** The same for ffprobe, which takes its input without `-i`. */
export function confinedProbeInput(path: string): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', SINGLE_FILE_DEMUXERS.join(','), `file:${path}`]
}

/** Output containers by extension: each writes one file (no playlists, segments or sequences). */
export const OUTPUT_EXTENSIONS = [
  'mp4',
  'm4v',
  'mov',
  'mkv',
  'mka',
  'webm',
  'avi',
  'flv',
  'ts',
  'mpg',
  'ogg',
  'ogv',
  'oga',
  'opus',
  'mp3',
  'wav',
  'flac',
  'm4a',
  'aac',
  'ac3',
  'aiff',
  'gif',
] as const

/** What a refused demuxer is, for the message. */
const REFERENCING: Record<string, string> = {
  hls: 'an HLS playlist',
  concat: 'an ffconcat list',
  dash: 'a DASH manifest',
  webm_dash_manifest: 'a WebM DASH manifest',
  sdp: 'an SDP session description',
  image2: 'an image sequence',
  vobsub: 'a VobSub index',
  ffmetadata: 'an ffmetadata file',
  mxf: 'an MXF file',
  avisynth: 'an AviSynth script',
  vapoursynth: 'a VapourSynth script',
  lavfi: 'a filter graph',
}

/**
 * Maps ffmpeg's refusal by the whitelists to a clear error: FORBIDDEN for a format
 * that names other files (or a protocol other than `file`), BAD_DATA for a format the
 * tools do not read; any other failure is the input's fault too (BAD_DATA).
 */
export function mediaFailure(param: string, shown: string, err: BinaryFailed): McppError {
  const format = /\[([\w,]+) @ [^\]]*\] Format not on whitelist/.exec(err.stderr)?.[1]
  const protocol = /Protocol '([^']*)' not on whitelist/.exec(err.stderr)?.[1]
  if (protocol !== undefined) {
    return new McppError(
      'FORBIDDEN',
      `${param}: "${shown}" tries to open a "${protocol}:" URL; the media tools read only the one file given`,
      { problems: [{ param, problem: 'media that opens other URLs' }], protocol },
    )
  }
  if (format !== undefined) {
    const kind = REFERENCING[format]
    if (kind !== undefined || /playlist|manifest|script|concat/i.test(format)) {
      return new McppError(
        'FORBIDDEN',
        `${param}: "${shown}" is ${kind ?? `"${format}" input`}, which names other files; the media tools read only single-file formats`,
        { problems: [{ param, problem: 'media that names other files' }], format },
      )
    }
    return new McppError(
      'BAD_DATA',
      `${param}: "${shown}" is "${format}" input, which the media tools do not read (they read ${SINGLE_FILE_DEMUXERS.join(', ')})`,
      { format },
    )
  }
  return new McppError('BAD_DATA', `${param}: "${shown}" is not readable media: ${err.message}`)
}
