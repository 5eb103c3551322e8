import { z } from 'zod';

// yt-dlp's JSON is loosely typed: any field may be missing or null, numbers may be floats.
const optionalNumber = z.number().nullish();
const optionalString = z.string().nullish();

export const ytDlpFormatSchema = z.object({
  format_id: z.union([z.string(), z.number()]).transform(String),
  ext: optionalString,
  vcodec: optionalString,
  acodec: optionalString,
  video_ext: optionalString,
  audio_ext: optionalString,
  width: optionalNumber,
  height: optionalNumber,
  fps: optionalNumber,
  tbr: optionalNumber,
  abr: optionalNumber,
  vbr: optionalNumber,
  filesize: optionalNumber,
  filesize_approx: optionalNumber,
  protocol: optionalString,
  format_note: optionalString,
  has_drm: z.boolean().nullish(),
  // Where the bytes are: read only to fetch a single-file format without a second yt-dlp run.
  url: optionalString,
  http_headers: z.record(z.string(), z.string()).nullish(),
  fragments: z.array(z.unknown()).nullish(),
  downloader_options: z.record(z.string(), z.unknown()).nullish(),
});
export type YtDlpFormat = z.infer<typeof ytDlpFormatSchema>;

export const ytDlpInfoSchema = z.object({
  _type: optionalString,
  id: z.union([z.string(), z.number()]).transform(String),
  extractor: z.string(),
  extractor_key: z.string(),
  title: optionalString,
  duration: optionalNumber,
  uploader: optionalString,
  webpage_url: z.string(),
  thumbnail: optionalString,
  is_live: z.boolean().nullish(),
  formats: z.array(ytDlpFormatSchema).nullish(),
  // A few extractors describe a single format at the top level instead of in `formats`.
  format_id: z.union([z.string(), z.number()]).transform(String).nullish(),
  ext: optionalString,
  vcodec: optionalString,
  acodec: optionalString,
  width: optionalNumber,
  height: optionalNumber,
  tbr: optionalNumber,
  filesize: optionalNumber,
  filesize_approx: optionalNumber,
  protocol: optionalString,
  url: optionalString,
  http_headers: z.record(z.string(), z.string()).nullish(),
  entries: z.array(z.unknown()).nullish(),
});
export type YtDlpInfo = z.infer<typeof ytDlpInfoSchema>;
