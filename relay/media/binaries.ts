/** The programs the media tools run: names looked up on PATH, or paths. */
export interface MediaBinaries {
  ffmpeg: string
  ffprobe: string
  ytDlp: string
}

export const DEFAULT_MEDIA_BINARIES: MediaBinaries = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe', ytDlp: 'yt-dlp' }
