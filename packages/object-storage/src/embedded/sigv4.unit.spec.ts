import { describe, expect, it } from 'vitest';
import { verifySignatureV4 } from './sigv4.ts';

// The worked examples of the AWS Signature Version 4 documentation for S3.
const credentials = {
  accessKey: 'AKIAIOSFODNN7EXAMPLE',
  secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const signedAt = new Date('2013-05-24T00:00:00Z');
const host = 'examplebucket.s3.amazonaws.com';
const presignedQuery =
  'X-Amz-Algorithm=AWS4-HMAC-SHA256' +
  '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
  '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
  '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';

describe('verifySignatureV4', () => {
  it('accepts the documented presigned URL within its lifetime and refuses it after', () => {
    const request = { method: 'GET', url: `/test.txt?${presignedQuery}`, headers: { host } };
    expect(verifySignatureV4(request, credentials, signedAt)).toEqual({
      ok: true,
      accessKey: credentials.accessKey,
    });
    const lastSecond = new Date(signedAt.getTime() + 86_400_000);
    expect(verifySignatureV4(request, credentials, lastSecond).ok).toBe(true);
    expect(
      verifySignatureV4(request, credentials, new Date(lastSecond.getTime() + 1)),
    ).toMatchObject({ ok: false, status: 403, code: 'AccessDenied' });
  });

  it('refuses a presigned URL whose lifetime, path, host or secret differs from the signed one', () => {
    const longer = presignedQuery.replace('X-Amz-Expires=86400', 'X-Amz-Expires=604800');
    const cases = [
      { method: 'GET', url: `/test.txt?${longer}`, headers: { host } },
      { method: 'GET', url: `/other.txt?${presignedQuery}`, headers: { host } },
      { method: 'GET', url: `/test.txt?${presignedQuery}`, headers: { host: 'evil.example' } },
      { method: 'PUT', url: `/test.txt?${presignedQuery}`, headers: { host } },
    ];
    for (const request of cases) {
      expect(verifySignatureV4(request, credentials, signedAt)).toMatchObject({
        ok: false,
        code: 'SignatureDoesNotMatch',
      });
    }
    expect(
      verifySignatureV4(
        { method: 'GET', url: `/test.txt?${presignedQuery}`, headers: { host } },
        { ...credentials, secretKey: 'another' },
        signedAt,
      ),
    ).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('accepts the documented signed GET with a Range header, within the clock skew', () => {
    const request = {
      method: 'GET',
      url: '/test.txt',
      headers: {
        host,
        range: 'bytes=0-9',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-date': '20130524T000000Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
      },
    };
    expect(verifySignatureV4(request, credentials, signedAt).ok).toBe(true);
    expect(
      verifySignatureV4(
        { ...request, headers: { ...request.headers, range: 'bytes=0-99' } },
        credentials,
        signedAt,
      ),
    ).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
    expect(
      verifySignatureV4(request, credentials, new Date(signedAt.getTime() + 16 * 60_000)),
    ).toMatchObject({ ok: false, code: 'RequestTimeTooSkewed' });
  });

  it('refuses anonymous requests and unknown keys', () => {
    expect(
      verifySignatureV4(
        { method: 'GET', url: '/test.txt', headers: { host } },
        credentials,
        signedAt,
      ),
    ).toMatchObject({ ok: false, status: 403, code: 'AccessDenied' });
    expect(
      verifySignatureV4(
        { method: 'GET', url: `/test.txt?${presignedQuery}`, headers: { host } },
        { ...credentials, accessKey: 'SOMEONE' },
        signedAt,
      ),
    ).toMatchObject({ ok: false, code: 'InvalidAccessKeyId' });
  });
});
