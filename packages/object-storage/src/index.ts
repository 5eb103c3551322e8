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
export {
  startEmbeddedS3,
  type EmbeddedS3,
  type EmbeddedS3Options,
  type EmbeddedS3Request,
} from './embedded/embedded-s3.ts';
export { verifySignatureV4, type SignatureVerdict } from './embedded/sigv4.ts';
