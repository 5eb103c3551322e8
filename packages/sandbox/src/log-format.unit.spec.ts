import { describe, expect, it } from 'vitest';
import { formatLogLine } from './log-format.ts';

const plain = { colour: false, width: 11 };

describe('formatLogLine', () => {
  it('turns a pino JSON line into time, level, message and fields, prefixed by the service', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2026-01-02T03:04:05.678Z',
      service: 'downloader',
      correlationId: '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001',
      msg: 'Downloader consuming',
      downloadConcurrency: 2,
      note: 'two words',
    });
    expect(formatLogLine('downloader', line, plain)).toBe(
      'downloader  | 03:04:05 INFO  Downloader consuming corr=ffff0001 downloadConcurrency=2 note="two words"',
    );
  });

  it('reads numeric pino levels and prints an error with its stack below', () => {
    const line = JSON.stringify({
      level: 50,
      time: Date.UTC(2026, 0, 2, 3, 4, 5),
      msg: 'handler failed',
      err: { message: 'boom', code: 'internal', stack: 'Error: boom\n    at handle (x.ts:1:1)' },
    });
    expect(formatLogLine('notifier', line, plain).split('\n')).toEqual([
      'notifier    | 03:04:05 ERROR handler failed err=boom code=internal',
      '              at handle (x.ts:1:1)',
    ]);
  });

  it('passes lines that are not JSON through as they are', () => {
    expect(formatLogLine('relay', 'Error: something { odd', plain)).toBe(
      'relay       | Error: something { odd',
    );
    expect(formatLogLine('relay', '{not json', plain)).toBe('relay       | {not json');
  });

  it('colours the prefix per service, and warnings and errors, only when asked', () => {
    const line = JSON.stringify({ level: 'warn', msg: 'slow' });
    const coloured = formatLogLine('storage', line, { colour: true, width: 8 });
    expect(coloured).toContain('\x1b[');
    expect(coloured).toContain('storage  |');
    expect(formatLogLine('storage', line, { colour: false, width: 8 })).not.toContain('\x1b[');
    const prefixOf = (source: string) =>
      formatLogLine(source, 'x', { colour: true, width: 12 }).split(' ')[0];
    expect(prefixOf('storage')).not.toBe(prefixOf('notifier'));
  });
});
