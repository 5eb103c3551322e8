import { AppError } from '@mediabot/contracts';

export type ObjectStorageErrorCode =
  | 'invalid_object_key'
  | 'invalid_bucket_name'
  | 'invalid_link_expiry'
  | 'object_not_found'
  | 'storage_unavailable';

export class ObjectStorageError extends AppError<ObjectStorageErrorCode> {}

const notFoundCodes = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);

export function isNotFound(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    notFoundCodes.has(String((error as { code?: unknown }).code))
  );
}

/** Wraps a client or network failure; S3 being down or slow is worth another try. */
export function storageUnavailable(operation: string, error: unknown): ObjectStorageError {
  if (error instanceof ObjectStorageError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new ObjectStorageError(
    'storage_unavailable',
    `Object storage ${operation} failed: ${error instanceof Error ? error.message : String(error)}`,
    { retryable: true, cause: error, details: { operation, code: code ?? null } },
  );
}
