export { createTelegramFake, TelegramFake } from './server/telegram-fake.ts';
export {
  DEFAULT_LIMITS,
  TELEGRAM_TIMING,
  type BotProfile,
  type FakeLimits,
  type FakeTiming,
  type TelegramFakeOptions,
} from './server/options.ts';
export type { BotCall, CallVia, FakeBot, FakeEventMap } from './server/fake-bot.ts';
export {
  createTelegramDriver,
  SimulatedUserHandle,
  TelegramDriver,
  type ButtonClick,
  type ForwardSource,
  type UserAction,
  type UserMediaUpload,
  type UserSpec,
  type WaitOptions,
} from './driver/telegram-driver.ts';
export type {
  CallbackAnswer,
  CallbackQueryRecord,
  ChatRecord,
  MediaKind,
  MediaRecord,
  TranscriptChange,
  TranscriptMessage,
} from './chats/chat-store.ts';
export type { StoredFile } from './files/file-store.ts';
export type {
  FaultEffect,
  FaultHandle,
  FaultMatch,
  FaultPlan,
  FaultRule,
} from './faults/fault-plan.ts';
export { DEFAULT_RATE_LIMITS, type RateLimitOptions } from './faults/rate-limiter.ts';
export type { WebhookAttempt } from './updates/webhook-delivery.ts';
export { BotApiError } from './bot-api/errors.ts';
export type * from './bot-api/types.ts';
export { UPDATE_TYPES } from './bot-api/types.ts';
export { systemClock, type Clock } from './shared/clock.ts';
export { callBotApi, resultOf, type BodyStyle, type RawAnswer } from './testing/bot-api-client.ts';
export {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from './testing/webhook-receiver.ts';
