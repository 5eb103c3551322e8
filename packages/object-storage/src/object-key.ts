import { ObjectStorageError } from './errors.ts';

/** One path segment of a key: letters, digits and `. _ - = + @ ,`, never `.` or `..`. */
const segmentPattern = /^[A-Za-z0-9._=+@,-]+$/;
const maxKeyLength = 1024;

/**
 * Keys are made by our services, never taken from users; this check still refuses anything that
 * could climb out of a prefix or mean something else to a file-system backed store.
 */
export function assertObjectKey(key: string): string {
  const problem = objectKeyProblem(key);
  if (problem) {
    throw new ObjectStorageError('invalid_object_key', `Invalid object key: ${problem}`, {
      retryable: false,
      details: { key: key.slice(0, 200) },
    });
  }
  return key;
}

function objectKeyProblem(key: string): string | null {
  if (key.length === 0) return 'empty';
  if (key.length > maxKeyLength) return `longer than ${maxKeyLength} characters`;
  for (const segment of key.split('/')) {
    if (segment === '') return 'empty segment (leading, trailing or double slash)';
    if (segment === '.' || segment === '..') return 'relative segment';
    if (!segmentPattern.test(segment))
      return `segment ${JSON.stringify(segment)} has characters outside [A-Za-z0-9._=+@,-]`;
  }
  return null;
}

/** Prefixes end with a slash so `media/a` never matches `media/ab`. */
export function assertKeyPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  if (!prefix.endsWith('/')) {
    throw new ObjectStorageError('invalid_object_key', 'A key prefix must end with "/"', {
      retryable: false,
      details: { prefix: prefix.slice(0, 200) },
    });
  }
  assertObjectKey(prefix.slice(0, -1));
  return prefix;
}

/**
 * Builds a key from parts, replacing anything outside the safe alphabet with `_`
 * (e.g. `objectKey('media', cacheId, 'video.mp4')`).
 */
export function objectKey(...segments: readonly string[]): string {
  const cleaned = segments.map((segment) => {
    const safe = segment.replace(/[^A-Za-z0-9._=+@,-]/g, '_').slice(0, 200);
    return safe === '' || safe === '.' || safe === '..' ? '_' : safe;
  });
  return assertObjectKey(cleaned.join('/'));
}

const bucketPattern = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function assertBucketName(name: string): string {
  if (!bucketPattern.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    throw new ObjectStorageError('invalid_bucket_name', `Invalid bucket name: ${name}`, {
      retryable: false,
    });
  }
  return name;
}
