import {
  encodeCallback,
  supportedLanguages,
  type InputRejectionReason,
  type Quality,
} from '@mediabot/contracts';
import { languageFlags, languageNames, type Translator } from '../i18n/index.ts';
import { truncate, type Keyboard, type RenderedMessage } from '../rendering/rendered-message.ts';
import type { RequestFacts } from '../status/request-state.ts';
import type { UserProfile } from '../state/users.ts';

export function renderWelcome(
  t: Translator,
  user: { firstName: string | null; profile: UserProfile },
): RenderedMessage {
  const greeting = user.firstName
    ? t.t('start.greeting', { name: truncate(user.firstName, 64) })
    : t.t('start.greeting-anonymous');
  const account = t.t('start.account', {
    language: languageNames[user.profile.language],
    quality: t.quality(user.profile.defaultQuality),
    files: user.profile.deliveredCount,
  });
  return {
    text: [greeting, '', t.t('start.intro'), '', account, '', t.t('start.more')].join('\n'),
  };
}

export function renderHelp(t: Translator, uploadLimitBytes: number): RenderedMessage {
  return { text: t.t('help.text', { uploadLimit: t.bytes(uploadLimitBytes) }) };
}

const settingsQualityRows: readonly (readonly Quality[])[] = [
  ['1080p', '720p', '360p'],
  ['audio-mp3', 'ask'],
];

/** /settings: the current choices and a button for every language and default quality. */
export function renderSettings(
  t: Translator,
  current: Pick<UserProfile, 'language' | 'defaultQuality'>,
  saved?: 'language' | 'quality',
): RenderedMessage {
  const mark = (selected: boolean, label: string) => (selected ? `✓ ${label}` : label);
  const languageButtons = supportedLanguages.map((languageCode) => ({
    text: mark(
      languageCode === current.language,
      `${languageFlags[languageCode]} ${languageNames[languageCode]}`,
    ),
    callback_data: encodeCallback({ kind: 'set-language', languageCode }),
  }));
  const keyboard: Keyboard = [
    languageButtons.slice(0, 2),
    languageButtons.slice(2),
    ...settingsQualityRows.map((row) =>
      row.map((quality) => ({
        text: mark(quality === current.defaultQuality, t.quality(quality)),
        callback_data: encodeCallback({ kind: 'set-default-quality', quality }),
      })),
    ),
  ];
  const text = t.t('settings.text', {
    language: languageNames[current.language],
    quality: t.quality(current.defaultQuality),
    ask: t.quality('ask'),
  });
  const confirmation =
    saved === 'language'
      ? t.t('settings.saved-language', { language: languageNames[current.language] })
      : saved === 'quality'
        ? t.t('settings.saved-quality', { quality: t.quality(current.defaultQuality) })
        : undefined;
  return { text: confirmation ? `${confirmation}\n\n${text}` : text, keyboard };
}

export function renderStats(
  t: Translator,
  stats: {
    delivered: number;
    requests: number;
    active: number;
    failed: number;
    since: Date | null;
  },
): RenderedMessage {
  if (stats.requests === 0 && stats.delivered === 0)
    return { text: `${t.t('stats.title')}\n\n${t.t('stats.empty')}` };
  const lines = [
    t.t('stats.title'),
    '',
    t.t('stats.files', { count: stats.delivered }),
    t.t('stats.requests', { count: stats.requests }),
  ];
  if (stats.active > 0) lines.push(t.t('stats.active', { count: stats.active }));
  if (stats.failed > 0) lines.push(t.t('stats.failed', { count: stats.failed }));
  if (stats.since) lines.push('', t.t('stats.since', { date: t.date(stats.since) }));
  return { text: lines.join('\n') };
}

/** /cancel: nothing running, one thing to confirm, or a choice between several. */
export function renderCancelPrompt(
  t: Translator,
  active: readonly RequestFacts[],
): RenderedMessage {
  const titleOf = (facts: RequestFacts) => facts.title ?? t.t('request.untitled');
  const button = (facts: RequestFacts, text: string) => ({
    text,
    callback_data: encodeCallback({ kind: 'cancel', requestId: facts.requestId }),
  });
  const [only] = active;
  if (!only) return { text: t.t('cancel.nothing') };
  if (active.length === 1) {
    return {
      text: t.t('cancel.confirm', { title: truncate(titleOf(only), 300) }),
      keyboard: [[button(only, t.plain('button.cancel'))]],
    };
  }
  return {
    text: t.t('cancel.choose'),
    keyboard: active.map((facts) => [
      button(facts, t.plain('button.cancel-title', { title: truncate(titleOf(facts), 40) })),
    ]),
  };
}

export function renderRejection(
  t: Translator,
  reason: InputRejectionReason,
  retryAfterSeconds: number | undefined,
): RenderedMessage {
  if (reason === 'rate_limited') {
    return {
      text:
        retryAfterSeconds === undefined
          ? t.t('rejected.rate_limited-soon')
          : t.t('rejected.rate_limited', { count: retryAfterSeconds }),
    };
  }
  return { text: t.t(`rejected.${reason}`) };
}
