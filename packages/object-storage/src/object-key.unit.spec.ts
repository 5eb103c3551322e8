import { describe, expect, it } from 'vitest';
import { assertBucketName, assertKeyPrefix, assertObjectKey, objectKey } from './object-key.ts';

describe('object keys', () => {
  it('accepts the keys our services build', () => {
    expect(assertObjectKey('media/2f1c0a/0194f3e2-7b1c-7c3e-9a55-0f4b1a2c3d4e.mp4')).toBeTruthy();
    expect(assertObjectKey('raw/youtube=abc_DEF-12/1080p.webm')).toBeTruthy();
  });

  it.each([
    ['', 'empty'],
    ['../etc/passwd', 'relative'],
    ['media/../raw/x', 'relative'],
    ['media/./x', 'relative'],
    ['/media/x', 'empty segment'],
    ['media//x', 'empty segment'],
    ['media/x/', 'empty segment'],
    ['media\\..\\x', 'outside'],
    ['media/a b', 'outside'],
    ['media/%2e%2e', 'outside'],
    ['media/x\u0000', 'outside'],
    ['médias/x', 'outside'],
    ['a'.repeat(1025), 'longer'],
  ])('refuses %j (%s)', (key, reason) => {
    let thrown: unknown;
    try {
      assertObjectKey(key);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'invalid_object_key' });
    expect((thrown as Error).message).toContain(reason);
  });

  it('builds safe keys from arbitrary parts', () => {
    expect(objectKey('media', '../../etc', 'My Video (1).mp4')).toBe(
      'media/.._.._etc/My_Video__1_.mp4',
    );
    expect(objectKey('raw', '..', '')).toBe('raw/_/_');
  });

  it('takes prefixes that end with a slash', () => {
    expect(assertKeyPrefix('')).toBe('');
    expect(assertKeyPrefix('raw/')).toBe('raw/');
    expect(() => assertKeyPrefix('raw')).toThrow(/must end/);
    expect(() => assertKeyPrefix('../')).toThrow(/relative/);
  });

  it('checks bucket names', () => {
    expect(assertBucketName('mediabot-media')).toBe('mediabot-media');
    for (const name of ['A', 'ab', 'Media', 'a..b', '192.168.0.1', '-abc', 'xn--abc']) {
      expect(() => assertBucketName(name)).toThrow(/Invalid bucket name/);
    }
  });
});
