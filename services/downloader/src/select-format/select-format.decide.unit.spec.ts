import { describe, expect, it } from 'vitest';
import { DownloadFailed, FormatSelected } from '@mediabot/contracts';
import { decideProbeAppend, probedDataOf, probedRequestOf } from '../probe/probe.decide.ts';
import { downloadRequested, mediaInfo, qualityChosen, recorded } from '../testing/messages.ts';
import { decideFormatSelection } from './select-format.decide.ts';

const now = new Date('2030-01-01T00:00:00Z');
const url = 'https://media.example.org/watch/clip.mp4';

function probedStream() {
  const requested = downloadRequested();
  const answer = decideProbeAppend([], requested, url, { kind: 'probed', info: mediaInfo() }, now);
  const probed = probedRequestOf(probedDataOf(requested.data, mediaInfo()), url);
  return { requested, stream: recorded([requested, ...answer]), probed };
}

describe('decideFormatSelection', () => {
  it('resolves the chosen quality to its option and cache key', () => {
    const { requested, stream, probed } = probedStream();
    const chosen = qualityChosen(requested.data.requestId, 'audio-mp3');
    const [selected, ...rest] = decideFormatSelection(stream, chosen, probed, now);
    expect(rest).toEqual([]);
    expect(selected?.type).toBe(FormatSelected.type);
    expect(selected?.causationId).toBe(chosen.eventId);
    expect(selected?.data).toMatchObject({
      cacheKey: 'Generic:clip:0123456789abcdef#audio-mp3',
      url,
      title: 'Sample clip',
      option: { quality: 'audio-mp3', kind: 'audio', formatSelector: 'sd/ba/b' },
    });
  });

  it('fails clearly for a quality the media does not have', () => {
    const { requested, stream, probed } = probedStream();
    const [failed] = decideFormatSelection(
      stream,
      qualityChosen(requested.data.requestId, '1080p'),
      probed,
      now,
    );
    expect(failed?.type).toBe(DownloadFailed.type);
    expect(failed?.data).toMatchObject({ error: { code: 'internal', retryable: false } });
    expect(JSON.stringify(failed?.data)).toContain('quality_not_offered: 1080p');
  });

  it('fails clearly for a request that was never probed', () => {
    const requested = downloadRequested();
    const [failed] = decideFormatSelection(
      recorded([requested]),
      qualityChosen(requested.data.requestId, '720p'),
      undefined,
      now,
    );
    expect(failed?.data).toMatchObject({ error: { detail: 'request_not_probed' } });
  });

  it('keeps the first choice: a second one, or a repeat, appends nothing', () => {
    const { requested, stream, probed } = probedStream();
    const first = qualityChosen(requested.data.requestId, '720p');
    const answer = decideFormatSelection(stream, first, probed, now);
    const after = recorded([...stream, ...answer]);
    expect(decideFormatSelection(after, first, probed, now)).toEqual([]);
    expect(
      decideFormatSelection(after, qualityChosen(requested.data.requestId, '360p'), probed, now),
    ).toEqual([]);
  });
});
