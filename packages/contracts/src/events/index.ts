import { createRegistry } from '../registry/registry.ts';
import { CommandReceived, InputRejected, SettingsChosen } from './conversation.ts';
import {
  CacheHit,
  CancelRequested,
  DownloadCancelled,
  DownloadDelivered,
  DownloadFailed,
  DownloadLinkIssued,
  DownloadRequested,
  FetchAbandoned,
  FetchFailed,
  FetchProgressed,
  FetchQueued,
  FileIdRejected,
  FormatSelected,
  MediaFetched,
  MediaProbed,
  MediaReady,
  QualityChosen,
} from './download.ts';
import { UserRegistered, UserSettingsChanged } from './identity.ts';

export * from './shared.ts';
export * from './identity.ts';
export * from './conversation.ts';
export * from './download.ts';
export * from './callback-data.ts';

/** Every message MediaBot knows. A type missing here cannot be appended, published or consumed. */
export const registry = createRegistry([
  UserRegistered,
  UserSettingsChanged,
  CommandReceived,
  InputRejected,
  SettingsChosen,
  DownloadRequested,
  MediaProbed,
  DownloadFailed,
  QualityChosen,
  FormatSelected,
  CacheHit,
  FetchQueued,
  FetchProgressed,
  MediaFetched,
  FetchFailed,
  MediaReady,
  DownloadDelivered,
  FileIdRejected,
  DownloadLinkIssued,
  CancelRequested,
  DownloadCancelled,
  FetchAbandoned,
]);
