import { describe, expect, it } from 'vitest';
import { movieHeaderDuration } from './remote-media.ts';

/** A `moov` box header followed by an `mvhd` of the given version, timescale and duration. */
function moovWithMovieHeader(version: 0 | 1, timescale: number, duration: number): Buffer {
  const fields = version === 1 ? Buffer.alloc(28) : Buffer.alloc(16);
  if (version === 1) {
    fields.writeUInt32BE(timescale, 16);
    fields.writeBigUInt64BE(BigInt(duration), 20);
  } else {
    fields.writeUInt32BE(timescale, 8);
    fields.writeUInt32BE(duration, 12);
  }
  const mvhd = Buffer.concat([Buffer.alloc(8), Buffer.from([version, 0, 0, 0]), fields]);
  mvhd.writeUInt32BE(mvhd.length + 80, 0);
  mvhd.write('mvhd', 4, 'latin1');
  const header = Buffer.alloc(8);
  header.writeUInt32BE(100_000, 0);
  header.write('moov', 4, 'latin1');
  return Buffer.concat([header, mvhd]);
}

describe('movieHeaderDuration', () => {
  it('reads a version 0 movie header', () => {
    expect(movieHeaderDuration(moovWithMovieHeader(0, 1000, 40_040), 8)).toBeCloseTo(40.04);
  });

  it('reads a version 1 movie header (64-bit duration)', () => {
    expect(movieHeaderDuration(moovWithMovieHeader(1, 90_000, 5_400_000_000), 8)).toBe(60_000);
  });

  it('gives null when the movie box does not start with its header, or says nothing', () => {
    const other = moovWithMovieHeader(0, 1000, 5000);
    other.write('iods', 12, 'latin1');
    expect(movieHeaderDuration(other, 8)).toBeNull();
    expect(movieHeaderDuration(moovWithMovieHeader(0, 0, 5000), 8)).toBeNull();
    expect(movieHeaderDuration(moovWithMovieHeader(0, 1000, 5000).subarray(0, 20), 8)).toBeNull();
  });
});
