import { describe, expect, it } from 'vitest';
import { eventMatcher, globMatcher } from '../log/glob.ts';
import { formatEventLine, shortId, summariseData } from './event-format.ts';
import { createProgress } from './progress.ts';
import { formatDuration } from './write.ts';

describe('globs', () => {
  it('match types and streams with * and ?, the rest literally', () => {
    expect(globMatcher('identity.*')('identity.user-registered')).toBe(true);
    expect(globMatcher('identity.*')('quota.used')).toBe(false);
    expect(globMatcher('user-?')('user-7')).toBe(true);
    expect(globMatcher('user-?')('user-42')).toBe(false);
    expect(globMatcher('a.b')('axb')).toBe(false);
    const matches = eventMatcher({ type: '*.user-*', stream: 'user-*' });
    expect(matches({ type: 'identity.user-registered', streamId: 'user-1' })).toBe(true);
    expect(matches({ type: 'identity.user-registered', streamId: 'job-1' })).toBe(false);
  });
});

describe('event lines', () => {
  it('show position, time, type and version, stream@version, short correlation id and data', () => {
    const line = formatEventLine({
      globalPosition: 12n,
      transactionId: 700n,
      streamVersion: 3n,
      eventId: '0193f2ab-0000-7000-8000-000000000001',
      type: 'identity.user-settings-changed',
      version: 1,
      streamId: 'user-7',
      occurredAt: '2026-01-01T12:00:00.000Z',
      correlationId: '0193f2ab-1111-7000-8000-00009f3a1c0e',
      causationId: null,
      actor: { kind: 'user', id: '7' },
      traceContext: {},
      data: { telegramUserId: 7, defaultQuality: '720p' },
    });
    expect(line).toBe(
      '#12  2026-01-01T12:00:00.000Z  identity.user-settings-changed v1  user-7@3  corr 9f3a1c0e  telegramUserId=7 defaultQuality="720p"',
    );
  });

  it('shortens long data and ids', () => {
    expect(summariseData({ text: 'x'.repeat(500) }, 20)).toBe('text="xxxxxxxxxxxxx…');
    expect(summariseData([1, 2])).toBe('[1,2]');
    expect(shortId('0193f2ab-1111-7000-8000-00009f3a1c0e')).toBe('9f3a1c0e');
  });
});

describe('progress', () => {
  it('redraws a bar in place on a terminal, with rate and ETA', () => {
    let clock = 0;
    let written = '';
    const progress = createProgress({
      out: { write: (text: string) => (written += text) },
      isTTY: true,
      now: () => clock,
      label: 'identity.users',
    });
    clock = 2000;
    progress.update({ done: 250, total: 1000, count: 200 });
    expect(written).toBe(
      '\r\x1b[2Kidentity.users  [██████░░░░░░░░░░░░░░░░░░]  25%  200 events  of head 1,000  100/s  ETA 6.0s',
    );
    clock = 2050;
    progress.update({ done: 300, total: 1000, count: 240 });
    expect(written).not.toContain('240 events');
    clock = 4000;
    progress.update({ done: 1000, total: 1000, count: 800 });
    progress.finish();
    expect(written.endsWith('100%  800 events  of head 1,000  200/s\n')).toBe(true);
  });

  it('writes a plain line now and then when not on a terminal, and nothing for a short run', () => {
    let clock = 0;
    const lines: string[] = [];
    const options = {
      out: { write: (text: string) => lines.push(text) },
      isTTY: false,
      now: () => clock,
      label: 'export',
      plainIntervalMs: 1000,
    };
    const quick = createProgress(options);
    quick.update({ done: 1, count: 1 });
    quick.finish();
    expect(lines).toEqual([]);

    const slow = createProgress(options);
    for (clock = 0; clock <= 2500; clock += 500) slow.update({ done: clock, count: clock });
    clock = 2500;
    slow.finish();
    expect(lines).toEqual([
      'export  1,000 events  1,000/s\n',
      'export  2,000 events  1,000/s\n',
      'export  2,500 events  1,000/s\n',
    ]);
  });

  it('formats durations', () => {
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(75_000)).toBe('1:15');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });
});
