export {
  ensureSampleMedia,
  ensureOversizeMp4,
  defaultSampleMediaDir,
  listSampleFiles,
  sampleNames,
  type SampleMedia,
} from './generate.ts';
export {
  startMediaServer,
  parseRange,
  contentTypeOf,
  type MediaServer,
  type MediaServerOptions,
  type RequestRecord,
  type ByteRange,
} from './media-server.ts';
