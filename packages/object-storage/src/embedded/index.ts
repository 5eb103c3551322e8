// The embedded S3 server (s3rver behind a SigV4 gate) for local runs and tests. A subpath of its
// own so the services, which only need the client, never load s3rver (~29 MiB of RSS).
export {
  startEmbeddedS3,
  type EmbeddedS3,
  type EmbeddedS3Options,
  type EmbeddedS3Request,
} from './embedded-s3.ts';
export { verifySignatureV4, type SignatureVerdict } from './sigv4.ts';
