import { describe, expect, it } from 'vitest';
import {
  cacheKeyOf,
  DownloadCancelled,
  DownloadFailed,
  FormatSelected,
  MediaProbed,
  requestStream,
} from '@mediabot/contracts';
import { downloadRequested, mediaInfo, recorded } from '../testing/messages.ts';
import {
  chooseFormat,
  decideProbeAppend,
  probedDataOf,
  probedRequestOf,
  qualityOptionsOf,
  requestStreamFacts,
  retryProbeLater,
} from './probe.decide.ts';

const now = new Date('2030-01-01T00:00:00Z');
const url = 'https://media.example.org/watch/clip.mp4';

describe('decideProbeAppend', () => {
  it('answers a request with what the probe found, in the contract shape', () => {
    const cause = downloadRequested();
    const events = decideProbeAppend(
      recorded([cause]),
      cause,
      url,
      { kind: 'probed', info: mediaInfo() },
      now,
    );
    expect(events.map((event) => event.type)).toEqual([MediaProbed.type]);
    const [probed] = events;
    expect(probed?.streamId).toBe(requestStream(cause.data.requestId));
    expect(probed?.causationId).toBe(cause.eventId);
    expect(probed?.correlationId).toBe(cause.correlationId);
    expect(probed?.data).toMatchObject({
      requestId: cause.data.requestId,
      mediaKey: 'Generic:clip:0123456789abcdef',
      title: 'Sample clip',
      durationSeconds: 5,
      options: [
        { quality: '720p', kind: 'video', estimatedBytes: 500_000, height: 720 },
        { quality: '360p', kind: 'video' },
        { quality: 'audio-mp3', kind: 'audio', height: null },
      ],
    });
  });

  it('selects the preferred quality at once when the media has it', () => {
    const cause = downloadRequested({ preferredQuality: '360p' });
    const events = decideProbeAppend([], cause, url, { kind: 'probed', info: mediaInfo() }, now);
    expect(events.map((event) => event.type)).toEqual([MediaProbed.type, FormatSelected.type]);
    expect(events[1]?.data).toMatchObject({
      cacheKey: cacheKeyOf('Generic:clip:0123456789abcdef', '360p'),
      url,
      option: { quality: '360p', formatSelector: 'sd/b' },
    });
  });

  it('asks the user when the preferred quality does not exist', () => {
    const cause = downloadRequested({ preferredQuality: '1080p' });
    const events = decideProbeAppend([], cause, url, { kind: 'probed', info: mediaInfo() }, now);
    expect(events.map((event) => event.type)).toEqual([MediaProbed.type]);
  });

  it('reports a failed probe with its taxonomy code', () => {
    const cause = downloadRequested();
    const events = decideProbeAppend(
      [],
      cause,
      url,
      { kind: 'failed', error: { code: 'blocked_address', retryable: false, detail: 'loopback' } },
      now,
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe(DownloadFailed.type);
    expect(events[0]?.data).toMatchObject({
      stage: 'probe',
      error: { code: 'blocked_address', retryable: false },
    });
  });

  it('derives ids from the request, so a repeated probe appends the same events', () => {
    const cause = downloadRequested({ preferredQuality: '720p' });
    const first = decideProbeAppend([], cause, url, { kind: 'probed', info: mediaInfo() }, now);
    const second = decideProbeAppend(
      [],
      cause,
      url,
      { kind: 'probed', info: mediaInfo() },
      new Date(),
    );
    expect(second.map((event) => event.eventId)).toEqual(first.map((event) => event.eventId));
  });

  it('appends nothing when the request is already answered or cancelled', () => {
    const cause = downloadRequested();
    const answered = decideProbeAppend([], cause, url, { kind: 'probed', info: mediaInfo() }, now);
    expect(
      decideProbeAppend(
        recorded([cause, ...answered]),
        cause,
        url,
        { kind: 'probed', info: mediaInfo() },
        now,
      ),
    ).toEqual([]);
    const cancelled = DownloadCancelled.create(
      { requestId: cause.data.requestId, chatId: 4242, cacheKey: null },
      { streamId: cause.streamId, actor: { kind: 'service', id: 'storage' } },
    );
    expect(
      decideProbeAppend(
        recorded([cause, cancelled]),
        cause,
        url,
        { kind: 'probed', info: mediaInfo() },
        now,
      ),
    ).toEqual([]);
  });
});

describe('requestStreamFacts', () => {
  it('sees the probe, a selected format and a cancellation', () => {
    const cause = downloadRequested({ preferredQuality: '720p' });
    const answered = decideProbeAppend([], cause, url, { kind: 'probed', info: mediaInfo() }, now);
    const facts = requestStreamFacts(recorded([cause, ...answered]));
    expect(facts).toMatchObject({ probeConcluded: true, formatSelected: true, cancelled: false });
    expect(facts.probed?.eventId).toBe(answered[0]?.eventId);
    expect(requestStreamFacts(recorded([cause]))).toMatchObject({
      probeConcluded: false,
      probed: null,
    });
  });
});

describe('chooseFormat', () => {
  it('names what was offered when the quality is not among it', () => {
    const probed = probedRequestOf(probedDataOf(downloadRequested().data, mediaInfo()), url);
    expect(chooseFormat(probed, '1080p')).toEqual({
      kind: 'unavailable',
      detail: 'quality_not_offered: 1080p (offered: 720p, 360p, audio-mp3)',
    });
  });
});

describe('qualityOptionsOf', () => {
  it('marks the MP3 option as audio and every other as video', () => {
    expect(qualityOptionsOf(mediaInfo()).map((option) => option.kind)).toEqual([
      'video',
      'video',
      'audio',
    ]);
  });
});

describe('retryProbeLater', () => {
  it('retries transient failures until the last attempt', () => {
    const transient = { code: 'site_unreachable', retryable: true } as const;
    expect(retryProbeLater(transient, 1, 3)).toBe(true);
    expect(retryProbeLater(transient, 3, 3)).toBe(false);
    expect(retryProbeLater({ code: 'removed', retryable: false }, 1, 3)).toBe(false);
  });
});
