import { answerCallbackQuery } from './answer-callback-query.ts';
import { sendChatAction } from './chat-action.ts';
import { deleteMyCommands, getMyCommands, setMyCommands } from './commands.ts';
import { deleteMessage } from './delete-message.ts';
import { editMessageCaption, editMessageReplyMarkup, editMessageText } from './edit-message.ts';
import { getFile } from './get-file.ts';
import { getMe } from './get-me.ts';
import { getUpdates } from './get-updates.ts';
import type { MethodDefinition } from './method.ts';
import { sendAudio, sendDocument, sendPhoto, sendVideo } from './send-media.ts';
import { sendMessage } from './send-message.ts';
import { deleteWebhook, getWebhookInfo, setWebhook } from './webhook-methods.ts';

export type { MethodContext, MethodDefinition, MethodOutcome } from './method.ts';
export { Params } from './params.ts';

const ALL_METHODS: readonly MethodDefinition[] = [
  getMe,
  getUpdates,
  setWebhook,
  deleteWebhook,
  getWebhookInfo,
  sendMessage,
  editMessageText,
  editMessageCaption,
  editMessageReplyMarkup,
  deleteMessage,
  sendChatAction,
  answerCallbackQuery,
  sendVideo,
  sendAudio,
  sendDocument,
  sendPhoto,
  getFile,
  setMyCommands,
  getMyCommands,
  deleteMyCommands,
];

/** Method names are case-insensitive on the Bot API. */
const BY_NAME = new Map(ALL_METHODS.map((method) => [method.name.toLowerCase(), method]));

export const findMethod = (name: string): MethodDefinition | undefined =>
  BY_NAME.get(name.toLowerCase());

export const supportedMethods = (): string[] => ALL_METHODS.map((method) => method.name);
