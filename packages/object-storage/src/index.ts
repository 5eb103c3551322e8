export {
  createObjectStorage,
  maxLinkSeconds,
  type BucketRole,
  type ObjectInfo,
  type ObjectStorage,
  type ObjectStorageOptions,
  type SignedLink,
  type StoredObject,
} from './object-storage.ts';
export { assertBucketName, assertKeyPrefix, assertObjectKey, objectKey } from './object-key.ts';
export { objectStorageOptionsOf, s3ConfigSchema, type S3Config } from './s3-config.ts';
export { ObjectStorageError, type ObjectStorageErrorCode } from './errors.ts';
