import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * AWS Signature Version 4 verification (header and presigned-query forms) for the embedded S3
 * server: s3rver checks a presigned link's expiry but never computes a V4 signature, so without
 * this a wrong secret, or a link whose X-Amz-Expires was edited, would be accepted.
 * Payload hashes are taken as declared (the body is not hashed).
 */

export interface SignedRequest {
  method: string;
  /** The raw request target: path and query exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
}

export type SignatureVerdict =
  { ok: true; accessKey: string } | { ok: false; status: 400 | 403; code: string; message: string };

export const maxPresignedSeconds = 7 * 24 * 3600;
const maxClockSkewMs = 15 * 60 * 1000;
const algorithm = 'AWS4-HMAC-SHA256';

function refuse(status: 400 | 403, code: string, message: string): SignatureVerdict {
  return { ok: false, status, code, message };
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~ is %XX. */
function strictEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function parseQuery(rawQuery: string): [string, string][] | null {
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const rawName = equals === -1 ? part : part.slice(0, equals);
    const rawValue = equals === -1 ? '' : part.slice(equals + 1);
    try {
      pairs.push([decodeURIComponent(rawName), decodeURIComponent(rawValue)]);
    } catch {
      return null;
    }
  }
  return pairs;
}

function canonicalQuery(pairs: readonly [string, string][]): string {
  return pairs
    .map(([name, value]) => [strictEncode(name), strictEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function canonicalPath(rawPath: string): string | null {
  try {
    return rawPath
      .split('/')
      .map((segment) => strictEncode(decodeURIComponent(segment)))
      .join('/');
  } catch {
    return null;
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value.join(',') : value).trim().replace(/\s+/g, ' ');
}

/** `20240131T235959Z` → epoch ms, or NaN. */
export function parseAmzDate(text: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return Number.NaN;
  const [year = 0, month = 0, day, hour, minute, second] = match.slice(1).map(Number);
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer | string, text: string) =>
  createHmac('sha256', key).update(text, 'utf8').digest();

function signature(
  secretKey: string,
  scope: { date: string; region: string; service: string },
  amzDate: string,
  canonicalRequest: string,
): string {
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [algorithm, amzDate, credentialScope, sha256Hex(canonicalRequest)].join(
    '\n',
  );
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${secretKey}`, scope.date), scope.region), scope.service),
    'aws4_request',
  );
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

interface Authorization {
  credential: string;
  signedHeaders: string;
  signature: string;
  amzDate: string;
  payloadHash: string;
  queryPairs: [string, string][];
  expiresSeconds: number | null;
}

function readAuthorization(
  request: SignedRequest,
  pairs: [string, string][],
): Authorization | SignatureVerdict {
  const query = new Map(pairs);
  const header = request.headers.authorization;
  if (query.has('X-Amz-Algorithm')) {
    if (header !== undefined) {
      return refuse(400, 'InvalidArgument', 'Only one auth mechanism allowed');
    }
    if (query.get('X-Amz-Algorithm') !== algorithm) {
      return refuse(
        400,
        'AuthorizationQueryParametersError',
        `X-Amz-Algorithm must be ${algorithm}`,
      );
    }
    const required = [
      'X-Amz-Credential',
      'X-Amz-Date',
      'X-Amz-Expires',
      'X-Amz-SignedHeaders',
      'X-Amz-Signature',
    ];
    if (required.some((name) => !query.has(name))) {
      return refuse(
        400,
        'AuthorizationQueryParametersError',
        `Presigned requests need ${required.join(', ')}`,
      );
    }
    const expiresText = query.get('X-Amz-Expires') ?? '';
    const expiresSeconds = /^\d+$/.test(expiresText) ? Number(expiresText) : Number.NaN;
    if (!Number.isSafeInteger(expiresSeconds) || expiresSeconds > maxPresignedSeconds) {
      return refuse(
        400,
        'AuthorizationQueryParametersError',
        `X-Amz-Expires must be 0..${maxPresignedSeconds}`,
      );
    }
    return {
      credential: query.get('X-Amz-Credential') ?? '',
      signedHeaders: query.get('X-Amz-SignedHeaders') ?? '',
      signature: query.get('X-Amz-Signature') ?? '',
      amzDate: query.get('X-Amz-Date') ?? '',
      payloadHash: query.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
      queryPairs: pairs.filter(([name]) => name !== 'X-Amz-Signature'),
      expiresSeconds,
    };
  }
  if (typeof header === 'string' && header.startsWith(`${algorithm} `)) {
    const fields = new Map(
      header
        .slice(algorithm.length + 1)
        .split(',')
        .map((field) => {
          const [name = '', ...rest] = field.trim().split('=');
          return [name, rest.join('=')] as const;
        }),
    );
    const amzDate = headerValue(request.headers, 'x-amz-date');
    const payloadHash = headerValue(request.headers, 'x-amz-content-sha256');
    if (!fields.get('Credential') || !fields.get('SignedHeaders') || !fields.get('Signature')) {
      return refuse(
        400,
        'AuthorizationHeaderMalformed',
        'Credential, SignedHeaders and Signature are required',
      );
    }
    if (!amzDate || !payloadHash) {
      return refuse(400, 'InvalidRequest', 'x-amz-date and x-amz-content-sha256 are required');
    }
    return {
      credential: fields.get('Credential') ?? '',
      signedHeaders: fields.get('SignedHeaders') ?? '',
      signature: fields.get('Signature') ?? '',
      amzDate,
      payloadHash,
      queryPairs: pairs,
      expiresSeconds: null,
    };
  }
  return refuse(403, 'AccessDenied', 'Anonymous and Signature Version 2 requests are refused');
}

export function verifySignatureV4(
  request: SignedRequest,
  credentials: { accessKey: string; secretKey: string },
  now: Date,
): SignatureVerdict {
  const queryStart = request.url.indexOf('?');
  const rawPath = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
  const pairs = parseQuery(queryStart === -1 ? '' : request.url.slice(queryStart + 1));
  const path = canonicalPath(rawPath);
  if (pairs === null || path === null)
    return refuse(400, 'InvalidURI', 'Malformed percent-encoding');

  const authorization = readAuthorization(request, pairs);
  if ('ok' in authorization) return authorization;

  const [accessKey = '', date = '', region = '', service = '', terminator = ''] =
    authorization.credential.split('/');
  if (accessKey !== credentials.accessKey) {
    return refuse(403, 'InvalidAccessKeyId', 'The access key does not exist in our records');
  }
  if (service !== 's3' || terminator !== 'aws4_request' || !/^\d{8}$/.test(date) || region === '') {
    return refuse(400, 'AuthorizationHeaderMalformed', 'Malformed credential scope');
  }
  const signedAt = parseAmzDate(authorization.amzDate);
  if (Number.isNaN(signedAt) || !authorization.amzDate.startsWith(date)) {
    return refuse(
      400,
      'AuthorizationQueryParametersError',
      'X-Amz-Date is malformed or outside the credential scope',
    );
  }

  const signedHeaderNames = authorization.signedHeaders.split(';');
  if (!signedHeaderNames.includes('host')) {
    return refuse(400, 'AuthorizationHeaderMalformed', 'The host header must be signed');
  }
  const canonicalHeaders = signedHeaderNames
    .map((name) => `${name}:${headerValue(request.headers, name) ?? ''}\n`)
    .join('');
  const canonicalRequest = [
    request.method.toUpperCase(),
    path,
    canonicalQuery(authorization.queryPairs),
    canonicalHeaders,
    authorization.signedHeaders,
    authorization.payloadHash,
  ].join('\n');
  const expected = Buffer.from(
    signature(
      credentials.secretKey,
      { date, region, service },
      authorization.amzDate,
      canonicalRequest,
    ),
  );
  const provided = Buffer.from(authorization.signature);
  if (expected.length !== provided.length || !timingSafeEqual(expected, provided)) {
    return refuse(403, 'SignatureDoesNotMatch', 'The request signature does not match');
  }

  if (authorization.expiresSeconds !== null) {
    if (now.getTime() > signedAt + authorization.expiresSeconds * 1000) {
      return refuse(403, 'AccessDenied', 'Request has expired');
    }
  } else if (Math.abs(now.getTime() - signedAt) > maxClockSkewMs) {
    return refuse(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large',
    );
  }
  return { ok: true, accessKey };
}
