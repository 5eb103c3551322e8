export { MediaError, isMediaError, type MediaErrorCode } from './errors/media-error.ts';
export {
  runProcess,
  defaultToolNiceness,
  type ProcessOutcome,
  type RunningProcess,
} from './process/run-process.ts';
export { classifyYtDlpFailure } from './yt-dlp/classify-failure.ts';
export { parseMediaUrl, type YtDlpConnection } from './yt-dlp/common.ts';
export {
  toMediaInfo,
  mediaKeyOf,
  resolutionClass,
  estimateFormatBytes,
  type MediaInfo,
  type QualityOption,
  type QualityChoice,
  type VideoQuality,
} from './yt-dlp/media-info.ts';
export { directSourcesOf, exactFormatIdOf, type DirectSource } from './yt-dlp/direct-source.ts';
export { probeMedia, parseProbeOutput, type ProbeOptions } from './yt-dlp/probe-media.ts';
export {
  downloadMedia,
  type DownloadRequest,
  type DownloadedMedia,
} from './yt-dlp/download-media.ts';
export {
  parseProgressLine,
  createProgressTracker,
  type DownloadProgress,
} from './yt-dlp/download-progress.ts';
export { ytDlpInfoSchema, ytDlpFormatSchema, type YtDlpInfo } from './yt-dlp/yt-dlp-info.ts';
export {
  probeFile,
  parseFfprobeOutput,
  type MediaProbe,
  type VideoStreamInfo,
  type AudioStreamInfo,
} from './ffmpeg/ffprobe.ts';
export { planTranscode, type TranscodePlan, type StreamHandling } from './ffmpeg/plan-transcode.ts';
export {
  transcode,
  compressToFit,
  compressionTarget,
  type TranscodeRequest,
  type TranscodeResult,
  type CompressRequest,
  type CompressResult,
  type X264Preset,
} from './ffmpeg/transcode.ts';
export { extractAudioMp3, type ExtractAudioRequest } from './ffmpeg/audio.ts';
export {
  makeThumbnail,
  thumbnailLimits,
  thumbnailOutputArgs,
  thumbnailTimeSeconds,
  type ThumbnailRequest,
} from './ffmpeg/thumbnail.ts';
export { createFfmpegProgressParser, type TranscodeProgress } from './ffmpeg/ffmpeg-progress.ts';
export { readTopLevelBoxes, isFastStart } from './ffmpeg/mp4-boxes.ts';
