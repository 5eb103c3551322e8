/**
 * English: the reference catalog. Its keys and placeholders define every other locale's (a unit
 * test compares them). Telegram HTML: escape `<`, `>` and `&` written as text.
 */
export const en = {
  'unit.kb': '{value} KB',
  'unit.mb': '{value} MB',
  'unit.gb': '{value} GB',
  'unit.per-second': '{size}/s',
  'unit.seconds': '{seconds}s',
  'unit.minutes': '{minutes}m {seconds}s',
  'unit.hours': '{hours}h {minutes}m',

  'quality.1080p': '1080p',
  'quality.720p': '720p',
  'quality.360p': '360p',
  'quality.audio-mp3': 'Audio MP3',
  'quality.ask': 'Ask every time',
  'quality.best-video': 'Best video',

  'start.greeting': '👋 Hi, {name}!',
  'start.greeting-anonymous': '👋 Hi!',
  'start.intro':
    'I download videos and music from links and send them to you right here.\n\nJust send me a link — from YouTube, TikTok, Instagram, Vimeo, SoundCloud and many more — and pick a quality.',
  'start.account':
    '<b>Your account</b>\nLanguage: {language}\nDefault quality: {quality}\nFiles received: {files}',
  'start.more':
    'Type /help for the full guide, or /settings to change your language and default quality.',

  'help.text':
    '<b>How it works</b>\n1. Send me a link to a video or a song.\n2. I check what’s there and show the qualities that exist, each with its size. Tap one — or set a default quality in /settings and skip this step.\n3. I download it, make it play nicely in Telegram and send you the file. The message shows my progress as I go.\n\n<b>Commands</b>\n/settings — language and default quality\n/status — where your latest request is; /status &lt;id&gt; for a specific one\n/cancel — stop a download in progress\n/stats — what you’ve downloaded so far\n/help — this guide\n\n<b>Limits</b>\n• Telegram lets bots upload files up to {uploadLimit}. For bigger files I send you a download link instead; it works for a limited time.\n• Private videos and anything that needs a login are out of my reach.\n• Send a few links per message at most.\n\n<b>Supported sites</b>\nYouTube, TikTok, Instagram, Vimeo, X (Twitter), Reddit, Facebook, SoundCloud, Bandcamp, Twitch clips, Dailymotion and over a thousand more. If a site isn’t supported, I’ll tell you.',

  'settings.text':
    '⚙️ <b>Settings</b>\n\nLanguage: {language}\nDefault quality: {quality}\n\nTap a language, or the quality I should pick for you. With “{ask}” I show you the options for every link.',
  'settings.saved-language': '✅ Saved: I’ll speak {language} with you.',
  'settings.saved-quality': '✅ Saved: default quality is now {quality}.',

  'rejected.no_link': 'Send me a link to a video or a song and I’ll fetch it for you. 🔗',
  'rejected.invalid_url': 'That doesn’t look like a link I can open. Check it and send it again.',
  'rejected.scheme_not_allowed': 'I can only open links that start with http:// or https://.',
  'rejected.url_too_long':
    'That link is too long for me. Try a shorter one — often you can drop everything after the “?”.',
  'rejected.blocked_address': 'I can’t open links to private or local network addresses.',
  'rejected.too_many_links':
    'That’s a lot of links at once! I took the first few — send the others in another message.',
  'rejected.rate_limited': {
    one: 'You’re sending links faster than I can keep up. Try again in {count} second.',
    other: 'You’re sending links faster than I can keep up. Try again in {count} seconds.',
  },
  'rejected.rate_limited-soon':
    'You’re sending links faster than I can keep up. Try again in a minute.',
  'rejected.unknown_command': 'I don’t know that command. Type /help to see what I can do.',

  'request.untitled': 'Your link',
  'status.looking': '🔎 Looking at your link…',
  'status.duration': '⏱ {duration}',
  'status.uploader': '👤 {uploader}',
  'status.choose': 'Choose a quality:',
  'status.preparing': '⏳ Getting {quality} ready…',
  'status.queued': '⏳ Queued · {quality}',
  'status.joined':
    '⏳ Someone asked for this file just before you — you’ll get it as soon as it’s ready.',
  'status.cached': '⚡ I already have this one — sending it now…',
  'status.downloading': '⬇️ Downloading…',
  'status.converting': '⚙️ Converting for Telegram…',
  'status.uploading': '📤 Uploading…',
  'status.eta': 'ETA {eta}',
  'status.large-file':
    '📦 This file is {size}, more than Telegram lets bots upload ({limit}). I’m preparing a download link for you…',
  'status.refetching':
    '⏳ Telegram no longer has this file, so I’m fetching it again. It takes a moment…',
  'status.delivered': '✅ Sent! Enjoy.',
  'status.delivered-link': '✅ Ready — your download link is below.',
  'status.cancelled': '🚫 Cancelled.',
  'status.failed.unsupported_site':
    '😕 I can’t download from this site. Try a link from another one — /help lists the sites I know.',
  'status.failed.private_or_login_required':
    '🔒 This one is private or needs a login, so I can’t get it. Try a public link.',
  'status.failed.removed': '🗑 This has been removed, or it doesn’t exist any more.',
  'status.failed.geo_blocked':
    '🌍 This isn’t available in the country my servers are in. Try another link.',
  'status.failed.too_large':
    '📦 This file is too big for me. Try a lower quality, or just the audio.',
  'status.failed.site_unreachable':
    '📡 I couldn’t reach the site. It may be down — try again in a few minutes.',
  'status.failed.timed_out':
    '⌛ This took too long, so I stopped. Try again later, or pick a lower quality.',
  'status.failed.blocked_address': '⛔ That link leads to an address I’m not allowed to open.',
  'status.failed.internal':
    '⚠️ Something went wrong on my side. Please try again in a little while.',
  'status.reference': '🆔 <code>{id}</code>',

  'button.option': '{quality} · {size}',
  'button.cancel': '✖️ Cancel',
  'button.cancel-title': '✖️ {title}',

  'status-command.none': 'You haven’t sent me any links yet. Send one and I’ll get to work!',
  'status-command.not-found':
    'I couldn’t find “{id}” among your requests. Type /status to see your latest one.',

  'cancel.nothing': 'There’s nothing to cancel right now.',
  'cancel.confirm': 'Stop this download?\n<b>{title}</b>',
  'cancel.choose': 'Which download should I stop?',

  'stats.title': '📊 <b>Your stats</b>',
  'stats.files': { one: '📁 {count} file received', other: '📁 {count} files received' },
  'stats.requests': { one: '🔗 {count} link sent', other: '🔗 {count} links sent' },
  'stats.active': { one: '⏳ {count} in progress', other: '⏳ {count} in progress' },
  'stats.failed': {
    one: '⚠️ {count} couldn’t be downloaded',
    other: '⚠️ {count} couldn’t be downloaded',
  },
  'stats.since': 'With me since {date}',
  'stats.empty': 'Nothing here yet — send me a link to get started!',

  'link.ready':
    '📦 <b>{title}</b> ({size}) is too big to upload to Telegram, so here is a link instead:\n<a href="{url}">Download the file</a>\n\nThe link expires {expires}.',
} as const;

export type MessageKey = keyof typeof en;
