// The subset of Bot API objects the fake produces, shaped as https://core.telegram.org/bots/api
// describes them (snake_case on the wire).

export interface User {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  is_premium?: true;
}

export interface BotUser extends User {
  is_bot: true;
  username: string;
  can_join_groups: boolean;
  can_read_all_group_messages: boolean;
  supports_inline_queries: boolean;
  can_connect_to_business: boolean;
  has_main_web_app: boolean;
}

export interface Chat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
}

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  user?: User;
  language?: string;
  custom_emoji_id?: string;
}

export interface PhotoSize {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  file_size?: number;
}

export interface Video {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  duration: number;
  thumbnail?: PhotoSize;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

export interface Audio {
  file_id: string;
  file_unique_id: string;
  duration: number;
  performer?: string;
  title?: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
  thumbnail?: PhotoSize;
}

export interface Document {
  file_id: string;
  file_unique_id: string;
  thumbnail?: PhotoSize;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

export interface File {
  file_id: string;
  file_unique_id: string;
  file_size?: number;
  file_path?: string;
}

export interface InlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
  [other: string]: unknown;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: InlineKeyboardButton[][];
}

/** Reply keyboards, keyboard removal and force-reply are kept as sent: they never come back. */
export type ReplyMarkup = InlineKeyboardMarkup | Record<string, unknown>;

export type MessageOrigin =
  | { type: 'user'; date: number; sender_user: User }
  | { type: 'hidden_user'; date: number; sender_user_name: string }
  | { type: 'chat'; date: number; sender_chat: Chat; author_signature?: string }
  | {
      type: 'channel';
      date: number;
      chat: Chat;
      message_id: number;
      author_signature?: string;
    };

export interface Message {
  message_id: number;
  from?: User;
  date: number;
  chat: Chat;
  forward_origin?: MessageOrigin;
  reply_to_message?: Message;
  edit_date?: number;
  text?: string;
  entities?: MessageEntity[];
  caption?: string;
  caption_entities?: MessageEntity[];
  photo?: PhotoSize[];
  video?: Video;
  audio?: Audio;
  document?: Document;
  has_media_spoiler?: true;
  link_preview_options?: Record<string, unknown>;
  reply_markup?: InlineKeyboardMarkup;
}

/** What a callback query carries once its message was deleted. */
export interface InaccessibleMessage {
  chat: Chat;
  message_id: number;
  date: 0;
}

export interface CallbackQuery {
  id: string;
  from: User;
  message?: Message | InaccessibleMessage;
  chat_instance: string;
  data?: string;
}

export interface ChatMember {
  status: 'member' | 'kicked';
  user: User;
  until_date?: number;
}

export interface ChatMemberUpdated {
  chat: Chat;
  from: User;
  date: number;
  old_chat_member: ChatMember;
  new_chat_member: ChatMember;
}

/** Every field of Update, in the order the Bot API lists them: the names allowed_updates accepts. */
export const UPDATE_TYPES = [
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
  'message_reaction',
  'message_reaction_count',
  'inline_query',
  'chosen_inline_result',
  'callback_query',
  'shipping_query',
  'pre_checkout_query',
  'purchased_paid_media',
  'poll',
  'poll_answer',
  'my_chat_member',
  'chat_member',
  'chat_join_request',
  'chat_boost',
  'removed_chat_boost',
] as const;

export type UpdateType = (typeof UPDATE_TYPES)[number];

/** Not delivered unless asked for by name (Bot API docs of allowed_updates). */
export const OPT_IN_UPDATE_TYPES: readonly UpdateType[] = [
  'chat_member',
  'message_reaction',
  'message_reaction_count',
];

export interface UpdatePayloads {
  message: Message;
  edited_message: Message;
  callback_query: CallbackQuery;
  my_chat_member: ChatMemberUpdated;
}

export type ProducedUpdateType = keyof UpdatePayloads;

export type Update = { update_id: number } & {
  [K in ProducedUpdateType]?: UpdatePayloads[K];
};

export interface ResponseParameters {
  retry_after?: number;
  migrate_to_chat_id?: number;
}

export type ApiResponse =
  | { ok: true; result: unknown; description?: string }
  | { ok: false; error_code: number; description: string; parameters?: ResponseParameters };

export interface WebhookInfo {
  url: string;
  has_custom_certificate: boolean;
  pending_update_count: number;
  ip_address?: string;
  last_error_date?: number;
  last_error_message?: string;
  max_connections?: number;
  allowed_updates?: string[];
}
