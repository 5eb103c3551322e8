import { envelope, UserRegistered, UserSettingsChanged, type Envelope } from '@mediabot/contracts';
import type { EventStore } from '@mediabot/eventstore';

const languages = ['en', 'fr', 'es', 'ru'] as const;
const qualities = ['1080p', '720p', '360p', 'audio-mp3'] as const;
const actor = (telegramUserId: number) => ({ kind: 'user' as const, id: String(telegramUserId) });

/** A user's stream as identity writes it: a registration (every third one still v1), then settings changes. */
export function userStream(telegramUserId: number, settingsChanges: number): Envelope[] {
  const streamId = `user-${telegramUserId}`;
  const occurredAt = new Date(Date.UTC(2026, 0, 1) + telegramUserId * 60_000);
  const registration =
    telegramUserId % 3 === 0
      ? envelope(
          {
            type: UserRegistered.type,
            version: 1,
            data: { telegramUserId, username: `u${telegramUserId}`, language: 'fr-CA' },
          },
          { streamId, actor: actor(telegramUserId), occurredAt },
        )
      : UserRegistered.create(
          {
            telegramUserId,
            username: telegramUserId % 2 === 0 ? null : `u${telegramUserId}`,
            firstName: `User ${telegramUserId}`,
            languageCode: languages[telegramUserId % languages.length]!,
            registeredVia: 'start-command',
          },
          { streamId, actor: actor(telegramUserId), occurredAt },
        );
  const changes = Array.from({ length: settingsChanges }, (_, index) =>
    UserSettingsChanged.create(
      {
        telegramUserId,
        ...(index % 2 === 0
          ? { defaultQuality: qualities[(telegramUserId + index) % qualities.length]! }
          : { languageCode: languages[(telegramUserId + index) % languages.length]! }),
      },
      {
        streamId,
        actor: actor(telegramUserId),
        causedBy: registration,
        occurredAt: new Date(occurredAt.getTime() + (index + 1) * 1000),
      },
    ),
  );
  return [registration, ...changes];
}

/** Appends users `first`..`first + count - 1`, interleaving their streams in the log. */
export async function appendUsers(
  store: EventStore,
  first: number,
  count: number,
): Promise<bigint> {
  let head = 0n;
  const streams = Array.from({ length: count }, (_, index) =>
    userStream(first + index, (first + index) % 4),
  );
  // Registrations first, then settings changes in a second pass: streams interleave.
  for (const events of streams) {
    head = (
      await store.append(events[0]!.streamId, events.slice(0, 1), { expectedVersion: 'no_stream' })
    ).lastGlobalPosition;
  }
  for (const events of streams) {
    if (events.length === 1) continue;
    head = (await store.append(events[0]!.streamId, events.slice(1), { expectedVersion: 1n }))
      .lastGlobalPosition;
  }
  return head;
}
