import type { MediaBucket, MediaKind } from '@mediabot/contracts';
import type { FetchSpec } from './cache-entry.ts';

export interface RequestRef {
  requestId: string;
  chatId: number;
}

/** What a decision wants appended to the entry's stream; the handler turns it into events. */
export type Intent =
  | {
      kind: 'cache-hit';
      request: RequestRef;
      telegramFileId: string | null;
      objectKey: string | null;
      /** Where objectKey lies (null with it). */
      bucket: MediaBucket | null;
      mediaKind: MediaKind;
    }
  | { kind: 'fetch-queued'; request: RequestRef; startedFetch: boolean; spec: FetchSpec }
  /** A signed link to the stored object (the handler signs it). */
  | { kind: 'link'; request: RequestRef }
  | { kind: 'cancelled'; request: RequestRef }
  | { kind: 'fetch-abandoned' };
