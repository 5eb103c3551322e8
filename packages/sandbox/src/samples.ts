import { relative } from 'node:path';
import type { MediaServer, SampleMedia } from '@mediabot/sample-media';
import type { SampleLink } from './sandbox-server.ts';

/** The sample clips a newcomer can send with one click, each showing one path of the journey. */
export function sampleLinks(
  server: Pick<MediaServer, 'urlOf'>,
  media: SampleMedia,
  oversizeFile?: string,
): SampleLink[] {
  const link = (path: string) => server.urlOf(relative(media.dir, path));
  return [
    {
      title: 'Short video',
      description: '5 s MP4 in 720p: pick a quality, or MP3',
      url: link(media.mp4Hd),
    },
    {
      title: 'Long video',
      description: '60 s MP4: watch the progress bar',
      url: link(media.mp4Long),
    },
    { title: 'Audio', description: 'A tagged MP3 tone', url: link(media.mp3) },
    {
      title: 'Web page with a video',
      description: 'An HTML page with a <video> tag',
      url: link(media.htmlPage),
    },
    {
      title: 'HLS stream',
      description: 'A master playlist with 360p and 720p',
      url: link(media.hlsPlaylist),
    },
    {
      title: 'WebM (VP9/Opus)',
      description: 'Re-encoded to H.264 for Telegram',
      url: link(media.webmVp9),
    },
    ...(oversizeFile
      ? [
          {
            title: 'Too big for Telegram',
            description: 'Over the 50 MB upload limit: you get a download link',
            url: link(oversizeFile),
          },
        ]
      : []),
  ];
}
