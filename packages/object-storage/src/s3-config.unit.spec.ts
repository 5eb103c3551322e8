import { describe, expect, it } from 'vitest';
import { objectStorageOptionsOf, s3ConfigSchema } from './s3-config.ts';

const required = {
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_ACCESS_KEY: 'key',
  S3_SECRET_KEY: 'secret',
};

describe('s3ConfigSchema', () => {
  it('has the documented defaults', () => {
    expect(s3ConfigSchema.parse(required)).toEqual({
      ...required,
      S3_REGION: 'us-east-1',
      S3_BUCKET_RAW: 'mediabot-raw',
      S3_BUCKET_MEDIA: 'mediabot-media',
    });
  });

  it('names every bad setting', () => {
    const result = s3ConfigSchema.safeParse({
      S3_ENDPOINT: 'ftp://127.0.0.1:9000',
      S3_ACCESS_KEY: '',
      S3_REGION: '',
      S3_BUCKET_RAW: 'ab',
      S3_BUCKET_MEDIA: 'ab',
    });
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual(
      [
        'S3_ACCESS_KEY',
        'S3_BUCKET_MEDIA',
        'S3_BUCKET_RAW',
        'S3_ENDPOINT',
        'S3_REGION',
        'S3_SECRET_KEY',
      ].sort(),
    );
  });
});

describe('objectStorageOptionsOf', () => {
  it('gives the endpoint, credentials, region and both buckets', () => {
    const config = s3ConfigSchema.parse({
      ...required,
      S3_REGION: 'eu-west-3',
      S3_BUCKET_RAW: 'test-raw',
      S3_BUCKET_MEDIA: 'test-media',
    });
    expect(objectStorageOptionsOf(config)).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      accessKey: 'key',
      secretKey: 'secret',
      region: 'eu-west-3',
      buckets: { raw: 'test-raw', media: 'test-media' },
    });
  });
});
