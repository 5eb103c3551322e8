import {
  CommandReceived,
  DownloadRequested,
  SettingsChosen,
  UserRegistered,
  UserSettingsChanged,
  deterministicUuidv7,
  identityStream,
  type Envelope,
  type TelegramUser,
} from '@mediabot/contracts';

/** What identity knows about a user when a message about them arrives. */
export interface KnownUser {
  /** The user's stream version; null when they have no account yet. */
  version: bigint | null;
}

export interface RegistrationDecision {
  streamId: string;
  events: Envelope[];
  expectedVersion: 'no_stream' | bigint;
}

function userAndVia(
  message: Envelope,
): { user: TelegramUser; via: 'start-command' | 'first-message' } | undefined {
  if (CommandReceived.is(message)) {
    return {
      user: message.data.user,
      via: message.data.command === 'start' ? 'start-command' : 'first-message',
    };
  }
  if (DownloadRequested.is(message) || SettingsChosen.is(message))
    return { user: message.data.user, via: 'first-message' };
  return undefined;
}

/**
 * A user gets an account the first time they talk to the bot, and their /settings choices are
 * recorded on it. Event ids derive from the message that caused them, so handling a message twice
 * appends nothing new.
 */
export function decideRegistration(
  message: Envelope,
  known: KnownUser,
): RegistrationDecision | undefined {
  const subject = userAndVia(message);
  if (!subject) return undefined;
  const { user } = subject;
  const streamId = identityStream(user.telegramUserId);
  const timestamp = Date.parse(message.occurredAt);
  const options = (step: string) => ({
    streamId,
    actor: { kind: 'user' as const, id: String(user.telegramUserId) },
    causedBy: message,
    eventId: deterministicUuidv7(`identity:${step}:${message.eventId}`, timestamp),
    occurredAt: new Date(timestamp),
  });
  const events: Envelope[] = [];
  if (known.version === null) {
    events.push(
      UserRegistered.create(
        {
          telegramUserId: user.telegramUserId,
          username: user.username,
          firstName: user.firstName,
          languageCode: user.languageCode,
          registeredVia: subject.via,
        },
        options('registered'),
      ),
    );
  }
  if (SettingsChosen.is(message)) {
    events.push(
      UserSettingsChanged.create(
        {
          telegramUserId: user.telegramUserId,
          ...(message.data.languageCode ? { languageCode: message.data.languageCode } : {}),
          ...(message.data.defaultQuality ? { defaultQuality: message.data.defaultQuality } : {}),
        },
        options('settings'),
      ),
    );
  }
  if (events.length === 0) return undefined;
  return { streamId, events, expectedVersion: known.version ?? 'no_stream' };
}

export const registrationTriggers = [
  CommandReceived.type,
  DownloadRequested.type,
  SettingsChosen.type,
];
