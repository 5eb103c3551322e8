import type {
  ChoosableQuality,
  DownloadErrorCode,
  Language,
  QualityOption,
} from '@mediabot/contracts';

export const requestStates = [
  'probing',
  'choosing',
  'queued',
  'downloading',
  'converting',
  'uploading',
  'delivered',
  'failed',
  'cancelled',
] as const;
export type RequestState = (typeof requestStates)[number];
export type ProgressStage = 'downloading' | 'converting' | 'uploading';

/** Why a waiting request shows something other than its plain state. */
export type RequestNote = 'joined' | 'cached' | 'refetching' | 'large-file';

export interface Progress {
  stage: ProgressStage;
  percent: number | null;
  downloadedBytes: number | null;
  totalBytes: number | null;
  speedBytesPerSecond: number | null;
  etaSeconds: number | null;
}

/** What the notifier knows about one download request: enough to draw its status message. */
export interface RequestFacts {
  requestId: string;
  chatId: number;
  telegramUserId: number | null;
  /** The user's message with the link; the status message replies to it. */
  userMessageId: number | null;
  /** Telegram's language of the user when they asked (their /settings choice wins when known). */
  language: Language;
  preferredQuality: ChoosableQuality | null;
  state: RequestState;
  note: RequestNote | null;
  cacheKey: string | null;
  title: string | null;
  uploader: string | null;
  durationSeconds: number | null;
  options: QualityOption[] | null;
  chosenQuality: ChoosableQuality | null;
  progress: Progress | null;
  errorCode: DownloadErrorCode | null;
  largeFileBytes: number | null;
  deliveredVia: 'upload' | 'file-id' | 'link' | null;
  requestedAt: Date;
}

export type RequestChange =
  | {
      kind: 'requested';
      telegramUserId: number;
      userMessageId: number;
      language: Language;
      preferredQuality: ChoosableQuality | null;
      requestedAt: Date;
    }
  | {
      kind: 'probed';
      title: string;
      uploader: string | null;
      durationSeconds: number | null;
      options: QualityOption[];
    }
  | { kind: 'quality-chosen'; quality: ChoosableQuality }
  | {
      kind: 'queued';
      cacheKey: string;
      quality: ChoosableQuality;
      title: string;
      uploader: string | null;
      /** Joined a fetch someone else started; undefined (download.format-selected) says nothing about it. */
      joined?: boolean;
    }
  | { kind: 'cache-hit'; cacheKey: string }
  | { kind: 'progressed'; progress: Progress }
  | { kind: 'sending' }
  | { kind: 'large-file'; sizeBytes: number }
  | { kind: 'delivered'; via: 'upload' | 'file-id' | 'link' }
  | { kind: 'refetching' }
  | { kind: 'failed'; code: DownloadErrorCode }
  | { kind: 'cancelled' };

const rank: Record<RequestState, number> = {
  probing: 0,
  choosing: 1,
  queued: 2,
  downloading: 3,
  converting: 4,
  uploading: 5,
  delivered: 9,
  failed: 9,
  cancelled: 9,
};

export const isTerminal = (state: RequestState): boolean => rank[state] === 9;

export function newRequest(requestId: string, chatId: number, requestedAt: Date): RequestFacts {
  return {
    requestId,
    chatId,
    telegramUserId: null,
    userMessageId: null,
    language: 'en',
    preferredQuality: null,
    state: 'probing',
    note: null,
    cacheKey: null,
    title: null,
    uploader: null,
    durationSeconds: null,
    options: null,
    chosenQuality: null,
    progress: null,
    errorCode: null,
    largeFileBytes: null,
    deliveredVia: null,
    requestedAt,
  };
}

/** Moves forward only: events of one request may be handled out of order (retries, replicas). */
function moveTo(facts: RequestFacts, state: RequestState): RequestFacts | undefined {
  if (isTerminal(facts.state) || rank[state] < rank[facts.state]) return undefined;
  return { ...facts, state };
}

/**
 * The request after a change, or undefined when the change is stale (the request is further
 * along, or finished) and nothing should be redrawn.
 */
export function applyChange(facts: RequestFacts, change: RequestChange): RequestFacts | undefined {
  switch (change.kind) {
    case 'requested':
      // Facts about the user fill in whenever they arrive; the state is untouched.
      return {
        ...facts,
        telegramUserId: change.telegramUserId,
        userMessageId: change.userMessageId,
        language: change.language,
        preferredQuality: change.preferredQuality,
        requestedAt: change.requestedAt,
      };
    case 'probed': {
      const moved = moveTo(facts, 'choosing');
      if (!moved) return undefined;
      const preferred = facts.preferredQuality;
      const preferredExists =
        preferred !== null && change.options.some((option) => option.quality === preferred);
      return {
        ...moved,
        title: change.title,
        uploader: change.uploader,
        durationSeconds: change.durationSeconds,
        options: change.options,
        chosenQuality: moved.chosenQuality ?? (preferredExists ? preferred : null),
      };
    }
    case 'quality-chosen': {
      const moved = moveTo(facts, 'queued');
      return moved && { ...moved, chosenQuality: change.quality };
    }
    case 'queued': {
      if (isTerminal(facts.state)) return undefined;
      const known: RequestFacts = {
        ...facts,
        cacheKey: change.cacheKey,
        chosenQuality: change.quality,
        title: facts.title ?? change.title,
        uploader: facts.uploader ?? change.uploader,
      };
      const moved = moveTo(known, 'queued');
      // Already further along: keep the state, but learn the cache key if this is how we hear it.
      if (!moved) return facts.cacheKey === change.cacheKey ? undefined : known;
      if (change.joined === undefined) return moved;
      return { ...moved, note: change.joined ? 'joined' : null };
    }
    case 'cache-hit': {
      if (isTerminal(facts.state)) return undefined;
      const known: RequestFacts = { ...facts, cacheKey: change.cacheKey };
      const moved = moveTo(known, 'queued');
      if (!moved) return facts.cacheKey === change.cacheKey ? undefined : known;
      return { ...moved, note: 'cached' };
    }
    case 'progressed': {
      const moved = moveTo(facts, change.progress.stage);
      return moved && { ...moved, progress: change.progress, note: null };
    }
    case 'sending': {
      const moved = moveTo(facts, 'uploading');
      return moved && { ...moved, progress: null, note: null };
    }
    case 'large-file': {
      const moved = moveTo(facts, 'uploading');
      return (
        moved && { ...moved, progress: null, note: 'large-file', largeFileBytes: change.sizeBytes }
      );
    }
    case 'delivered': {
      if (isTerminal(facts.state)) return undefined;
      return { ...facts, state: 'delivered', deliveredVia: change.via, note: null, progress: null };
    }
    case 'refetching':
      // The one move backwards: Telegram forgot the file, so it is fetched again.
      if (isTerminal(facts.state)) return undefined;
      return { ...facts, state: 'queued', note: 'refetching', progress: null };
    case 'failed':
      if (isTerminal(facts.state)) return undefined;
      return { ...facts, state: 'failed', errorCode: change.code, note: null, progress: null };
    case 'cancelled':
      if (isTerminal(facts.state)) return undefined;
      return { ...facts, state: 'cancelled', note: null, progress: null };
  }
}

/** The short reference users see and can give to /status: the end of the request id. */
export const shortReference = (requestId: string): string => requestId.replace(/-/g, '').slice(-8);
