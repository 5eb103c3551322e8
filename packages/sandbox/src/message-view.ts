import type { MessageEntity, TranscriptMessage } from '@mediabot/telegram-fake';

export interface ButtonView {
  text: string;
  callbackData?: string;
  url?: string;
}

export interface MediaView {
  kind: 'video' | 'audio' | 'document' | 'photo';
  /** Where the page fetches the bytes: the sandbox serves the fake's stored file. */
  url: string;
  mimeType: string;
  size: number;
  fileName?: string;
  width?: number;
  height?: number;
  duration?: number;
  title?: string;
  performer?: string;
  thumbnailUrl?: string;
}

/** One chat message as the sandbox page draws it. */
export interface MessageView {
  id: number;
  sender: 'user' | 'bot';
  /** Unix seconds, as Telegram gives it. */
  date: number;
  edited: boolean;
  deleted: boolean;
  /** The text, or the caption of a media message. */
  text: string;
  entities: MessageEntity[];
  keyboard: ButtonView[][];
  media?: MediaView;
  replyToId?: number;
}

const mimeByExtension: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  mov: 'video/quicktime',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  flac: 'audio/flac',
  wav: 'audio/wav',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  txt: 'text/plain; charset=utf-8',
  pdf: 'application/pdf',
};

/** The content type a browser needs to play a stored file: its own, else from its extension. */
export function contentTypeFor(fileName: string, claimed?: string): string {
  if (claimed && claimed !== 'application/octet-stream') return claimed;
  const extension = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? '';
  return mimeByExtension[extension] ?? 'application/octet-stream';
}

export const fileRoute = '/files/';

export function fileUrl(filePath: string): string {
  return fileRoute + filePath.split('/').map(encodeURIComponent).join('/');
}

function mediaOf(entry: TranscriptMessage): MediaView | undefined {
  const media = entry.media;
  if (!media) return undefined;
  const { file } = media;
  const { message } = entry;
  const attributes = { ...file.attributes };
  const fromMessage =
    media.shownAs === 'video'
      ? message.video
      : media.shownAs === 'audio'
        ? message.audio
        : media.shownAs === 'document'
          ? message.document
          : undefined;
  const video = media.shownAs === 'video' ? message.video : undefined;
  const audio = media.shownAs === 'audio' ? message.audio : undefined;
  const width = video?.width ?? attributes.width ?? file.width;
  const height = video?.height ?? attributes.height ?? file.height;
  const duration = video?.duration ?? audio?.duration ?? attributes.duration;
  const title = audio?.title ?? attributes.title;
  const performer = audio?.performer ?? attributes.performer;
  const fileName = fromMessage?.file_name ?? file.fileName;
  return {
    kind: media.shownAs,
    url: fileUrl(file.filePath),
    mimeType: contentTypeFor(file.fileName ?? file.filePath, file.mimeType),
    size: file.size,
    ...(fileName === undefined ? {} : { fileName }),
    ...(width === undefined ? {} : { width }),
    ...(height === undefined ? {} : { height }),
    ...(duration === undefined ? {} : { duration }),
    ...(title === undefined ? {} : { title }),
    ...(performer === undefined ? {} : { performer }),
    ...(media.thumbnail ? { thumbnailUrl: fileUrl(media.thumbnail.filePath) } : {}),
  };
}

/** What the page needs of a transcript entry (no file ids, no local paths). */
export function toMessageView(entry: TranscriptMessage): MessageView {
  const { message } = entry;
  const media = mediaOf(entry);
  const keyboard = (message.reply_markup?.inline_keyboard ?? []).map((row) =>
    row.map((button): ButtonView => ({
      text: button.text,
      ...(button.callback_data === undefined ? {} : { callbackData: button.callback_data }),
      ...(button.url === undefined ? {} : { url: button.url }),
    })),
  );
  return {
    id: entry.messageId,
    sender: entry.sender,
    date: message.date,
    edited: entry.history.length > 0 || message.edit_date !== undefined,
    deleted: entry.deleted,
    text: message.text ?? message.caption ?? '',
    entities: message.entities ?? message.caption_entities ?? [],
    keyboard,
    ...(media ? { media } : {}),
    ...(message.reply_to_message ? { replyToId: message.reply_to_message.message_id } : {}),
  };
}
