import { AppError } from '@mediabot/contracts';
import type { ApiResponse, ResponseParameters } from './types.ts';

/**
 * An answer of the Bot API with ok=false. The description is Telegram's own wording, because bots
 * (ours included) match on it: "message is not modified", "retry after N", "blocked by the user".
 */
export class BotApiError extends AppError<'bot_api_error'> {
  readonly errorCode: number;
  readonly description: string;
  readonly parameters: ResponseParameters | undefined;

  constructor(errorCode: number, description: string, parameters?: ResponseParameters) {
    super('bot_api_error', `${errorCode}: ${description}`, {
      retryable: errorCode === 429 || errorCode >= 500,
      details: { errorCode, description, ...(parameters ? { parameters } : {}) },
    });
    this.errorCode = errorCode;
    this.description = description;
    this.parameters = parameters;
  }

  toResponse(): ApiResponse {
    return {
      ok: false,
      error_code: this.errorCode,
      description: this.description,
      ...(this.parameters ? { parameters: this.parameters } : {}),
    };
  }
}

export const badRequest = (reason: string): BotApiError =>
  new BotApiError(400, `Bad Request: ${reason}`);

export const forbidden = (reason: string): BotApiError =>
  new BotApiError(403, `Forbidden: ${reason}`);

export const unauthorized = (): BotApiError => new BotApiError(401, 'Unauthorized');

export const notFound = (): BotApiError => new BotApiError(404, 'Not Found');

export const conflict = (reason: string): BotApiError =>
  new BotApiError(409, `Conflict: ${reason}`);

export const entityTooLarge = (): BotApiError => new BotApiError(413, 'Request Entity Too Large');

export const tooManyRequests = (retryAfterSeconds: number): BotApiError =>
  new BotApiError(429, `Too Many Requests: retry after ${retryAfterSeconds}`, {
    retry_after: retryAfterSeconds,
  });

export const internalServerError = (): BotApiError => new BotApiError(500, 'Internal Server Error');

/** Telegram's wording for the errors several methods share. */
export const Reasons = {
  chatNotFound: 'chat not found',
  chatIdEmpty: 'chat_id is empty',
  textEmpty: 'message text is empty',
  textTooLong: 'message is too long',
  captionTooLong: 'message caption is too long',
  notModified:
    'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
  messageToEditNotFound: 'message to edit not found',
  messageToDeleteNotFound: 'message to delete not found',
  messageCantBeEdited: "message can't be edited",
  messageCantBeDeleted: "message can't be deleted",
  noTextToEdit: 'there is no text in the message to edit',
  noCaptionToEdit: 'there is no caption in the message to edit',
  messageIdMissing: 'message identifier is not specified',
  replyNotFound: 'message to be replied not found',
  wrongFileId: 'wrong file identifier/HTTP URL specified',
  invalidFileId: 'invalid file_id',
  fileTypeMismatch: 'type of file mismatch',
  fileTooBig: 'file is too big',
  failedToGetUrl: 'failed to get HTTP URL content',
  wrongWebPageContent: 'wrong type of the web page content',
  queryTooOld: 'query is too old and response timeout expired or query ID is invalid',
  wrongChatAction: 'wrong parameter action in request',
  unsupportedParseMode: 'unsupported parse_mode',
  replyMarkupJson: "can't parse reply keyboard markup JSON object",
  entitiesJson: "can't parse entities JSON object",
  buttonDataInvalid: 'BUTTON_DATA_INVALID',
  buttonUrlInvalid: 'BUTTON_URL_INVALID',
  botBlocked: 'bot was blocked by the user',
  cantInitiate: "bot can't initiate conversation with a user",
} as const;
