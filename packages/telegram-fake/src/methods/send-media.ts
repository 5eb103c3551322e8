import type { Audio, Document, Message, PhotoSize, Video } from '../bot-api/types.ts';
import type { MediaKind, MediaRecord } from '../chats/chat-store.ts';
import type { MediaAttributes, StoredFile } from '../files/file-store.ts';
import { resolveInputFile, resolveThumbnail } from '../files/input-file.ts';
import { chatToWrite, fromBot, replyTarget } from './chat-lookup.ts';
import { defineMethod, type MethodContext, type MethodDefinition } from './method.ts';
import type { Params } from './params.ts';
import { readReplyMarkup, visibleMarkup } from './reply-markup.ts';
import { captionFields, captionText } from './text-arguments.ts';

const RECORDED_OPTIONS = [
  'duration',
  'width',
  'height',
  'supports_streaming',
  'title',
  'performer',
  'has_spoiler',
  'disable_content_type_detection',
  'show_caption_above_media',
  'disable_notification',
  'protect_content',
] as const;

function attributesFrom(params: Params, kind: MediaKind): MediaAttributes {
  const attributes: MediaAttributes = {};
  const duration = params.integer('duration');
  if (duration !== undefined) attributes.duration = duration;
  if (kind === 'video') {
    const width = params.integer('width');
    const height = params.integer('height');
    if (width !== undefined) attributes.width = width;
    if (height !== undefined) attributes.height = height;
  }
  if (kind === 'audio') {
    const performer = params.string('performer');
    const title = params.string('title');
    if (performer) attributes.performer = performer;
    if (title) attributes.title = title;
  }
  return attributes;
}

/** Telegram shows a video only if it is MPEG-4 and audio only if MP3/M4A; else a document. */
function shownKind(kind: MediaKind, file: StoredFile): MediaKind {
  if (kind === 'video' && file.mimeType !== 'video/mp4') return 'document';
  if (kind === 'audio' && file.mimeType !== 'audio/mpeg' && file.mimeType !== 'audio/mp4') {
    return 'document';
  }
  return kind;
}

function photoSize(file: StoredFile): PhotoSize {
  return {
    file_id: file.fileId,
    file_unique_id: file.fileUniqueId,
    width: file.width ?? 0,
    height: file.height ?? 0,
    file_size: file.size,
  };
}

function fileFields(file: StoredFile): {
  file_name?: string;
  mime_type?: string;
  file_size: number;
} {
  return {
    ...(file.fileName === undefined ? {} : { file_name: file.fileName }),
    ...(file.mimeType === undefined ? {} : { mime_type: file.mimeType }),
    file_size: file.size,
  };
}

function mediaFields(
  shownAs: MediaKind,
  file: StoredFile,
  thumbnail: StoredFile | undefined,
): Pick<Message, 'video' | 'audio' | 'document' | 'photo'> {
  const ids = { file_id: file.fileId, file_unique_id: file.fileUniqueId };
  const thumb = thumbnail ? { thumbnail: photoSize(thumbnail) } : {};
  const attributes = file.attributes ?? {};
  switch (shownAs) {
    case 'video': {
      const video: Video = {
        ...ids,
        width: attributes.width ?? 0,
        height: attributes.height ?? 0,
        duration: attributes.duration ?? 0,
        ...thumb,
        ...fileFields(file),
      };
      return { video };
    }
    case 'audio': {
      const audio: Audio = {
        ...ids,
        duration: attributes.duration ?? 0,
        ...(attributes.performer === undefined ? {} : { performer: attributes.performer }),
        ...(attributes.title === undefined ? {} : { title: attributes.title }),
        ...fileFields(file),
        ...thumb,
      };
      return { audio };
    }
    case 'document': {
      const document: Document = { ...ids, ...thumb, ...fileFields(file) };
      return { document };
    }
    case 'photo':
      return { photo: [photoSize(file)] };
  }
}

async function sendMedia(kind: MediaKind, { bot, params, files }: MethodContext) {
  const record = chatToWrite(bot, params);
  const caption = captionText(params, bot.limits.captionLength);
  const markup = visibleMarkup(readReplyMarkup(params.raw('reply_markup')));
  const replyTo = replyTarget(bot, record, params);
  const source = {
    files: bot.files,
    uploads: files,
    urlDownloadBytes: bot.limits.urlDownloadBytes,
  };
  const file = await resolveInputFile(source, kind, params.string(kind), kind);
  // A file keeps the attributes it was first sent with; re-sending by file_id reuses them.
  file.attributes ??= attributesFrom(params, kind);
  const thumbnail =
    kind === 'photo'
      ? undefined
      : await resolveThumbnail(source, params.string('thumbnail') ?? params.string('thumb'));
  const shownAs = shownKind(kind, file);
  const sendOptions: MediaRecord['sendOptions'] = {};
  for (const option of RECORDED_OPTIONS) {
    const value = params.raw(option);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      sendOptions[option] = value;
    }
  }
  const media: MediaRecord = {
    kind,
    shownAs,
    file,
    sendOptions,
    ...(thumbnail ? { thumbnail } : {}),
  };
  const entry = bot.chats.addMessage(
    record,
    'bot',
    (messageId, date) => ({
      ...fromBot(bot, record, messageId, date),
      ...(replyTo ? { reply_to_message: replyTo } : {}),
      ...mediaFields(shownAs, file, thumbnail),
      ...captionFields(caption),
      ...(params.boolean('has_spoiler') ? { has_media_spoiler: true as const } : {}),
      ...(markup ? { reply_markup: markup } : {}),
    }),
    media,
  );
  return { result: entry.message };
}

const mediaMethod = (name: string, kind: MediaKind): MethodDefinition =>
  defineMethod({ name, sendsMessage: true, run: (context) => sendMedia(kind, context) });

export const sendVideo = mediaMethod('sendVideo', 'video');
export const sendAudio = mediaMethod('sendAudio', 'audio');
export const sendDocument = mediaMethod('sendDocument', 'document');
export const sendPhoto = mediaMethod('sendPhoto', 'photo');

export { mediaFields, shownKind };
