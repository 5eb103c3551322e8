// The sandbox chat page: plays one Telegram user against the fake Bot API. No framework, no
// build step. What the bot sends or edits arrives as Server-Sent Events; what the user does
// goes to the sandbox server's small JSON API.

const languages = ['en', 'fr', 'es', 'ru'];
const fallbackCommands = [
  { command: 'start', description: 'Say hello' },
  { command: 'help', description: 'What the bot can do' },
  { command: 'settings', description: 'Language and default quality' },
];
const chatActionLabels = {
  typing: 'typing…',
  upload_video: 'sending a video…',
  upload_audio: 'sending audio…',
  upload_document: 'sending a file…',
  upload_photo: 'sending a photo…',
  record_video: 'recording a video…',
  record_voice: 'recording audio…',
  upload_voice: 'sending audio…',
  choose_sticker: 'choosing a sticker…',
  find_location: 'finding a location…',
};
// Telegram shows a chat action for five seconds, or until the bot's next message.
const chatActionMs = 5000;

const elements = {
  messages: document.getElementById('messages'),
  emptyChat: document.getElementById('empty-chat'),
  composer: document.getElementById('composer'),
  input: document.getElementById('composer-input'),
  language: document.getElementById('language'),
  userName: document.getElementById('user-name'),
  userId: document.getElementById('user-id'),
  newChat: document.getElementById('new-chat'),
  samples: document.getElementById('samples'),
  chatTitle: document.getElementById('chat-title'),
  chatStatus: document.getElementById('chat-status'),
  connection: document.getElementById('connection'),
  toasts: document.getElementById('toasts'),
  commandsButton: document.getElementById('commands-button'),
  commandMenu: document.getElementById('command-menu'),
  commandList: document.getElementById('command-list'),
};

const params = new URLSearchParams(location.search);
const state = {
  userId: Number(params.get('user')) || Number(localStorage.getItem('sandbox.user')) || newUserId(),
  language:
    pickLanguage(params.get('lang')) ??
    pickLanguage(localStorage.getItem('sandbox.language')) ??
    pickLanguage(navigator.language?.slice(0, 2)) ??
    'en',
  firstName: params.get('name') || 'You',
  commands: fallbackCommands,
  /** message id → its <article> */
  rendered: new Map(),
  events: undefined,
  actionTimer: undefined,
  /** Follow new messages while the reader is at the end of the conversation. */
  pinnedToEnd: true,
};

function newUserId() {
  return 100_000 + Math.floor(Math.random() * 900_000_000);
}

function pickLanguage(value) {
  return languages.includes(value) ? value : undefined;
}

function remember() {
  localStorage.setItem('sandbox.user', String(state.userId));
  localStorage.setItem('sandbox.language', state.language);
}

// ---------------------------------------------------------------------------------------------
// Talking to the sandbox server

async function api(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error ?? `${response.status} ${response.statusText}`);
  return answer;
}

async function sendText(text) {
  const trimmed = text.trim();
  if (!trimmed) return;
  scrollToEnd(true);
  try {
    await api(`/api/chats/${state.userId}/messages`, {
      text: trimmed,
      language: state.language,
      firstName: state.firstName,
    });
  } catch (error) {
    toast(`Could not send: ${error.message}`, true);
    throw error;
  }
}

async function pressButton(messageId, data, element) {
  element.setAttribute('aria-busy', 'true');
  const clear = setTimeout(() => element.removeAttribute('aria-busy'), 15_000);
  try {
    await api(`/api/chats/${state.userId}/callbacks`, {
      messageId,
      data,
      language: state.language,
      firstName: state.firstName,
    });
  } catch (error) {
    clearTimeout(clear);
    element.removeAttribute('aria-busy');
    toast(error.message, true);
  }
}

function connect() {
  state.events?.close();
  setConnection('connecting', 'Connecting…');
  const events = new EventSource(`/api/chats/${state.userId}/events`);
  state.events = events;
  events.addEventListener('open', () => setConnection('live', 'Live'));
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED) setConnection('offline', 'Offline');
    else setConnection('connecting', 'Reconnecting…');
  });
  events.addEventListener('snapshot', (event) => {
    const { messages } = JSON.parse(event.data);
    for (const article of state.rendered.values()) {
      resizes.unobserve(article);
      article.remove();
    }
    state.rendered.clear();
    for (const message of messages) upsertMessage(message, { flash: false });
    updateEmptyState();
    scrollToEnd(true);
  });
  events.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.sender === 'bot') showChatAction(undefined);
    upsertMessage(message, { flash: true });
    updateEmptyState();
  });
  events.addEventListener('action', (event) => showChatAction(JSON.parse(event.data).action));
  events.addEventListener('callback-answer', (event) => {
    const answer = JSON.parse(event.data);
    for (const button of state.rendered.get(answer.messageId)?.querySelectorAll('[aria-busy]') ??
      []) {
      button.removeAttribute('aria-busy');
    }
    if (answer.text) toast(answer.text, false, answer.showAlert);
    if (answer.url) window.open(answer.url, '_blank', 'noopener');
  });
}

function setConnection(kind, label) {
  elements.connection.dataset.state = kind;
  elements.connection.textContent = label;
}

// ---------------------------------------------------------------------------------------------
// Drawing messages

function upsertMessage(message, { flash }) {
  const existing = state.rendered.get(message.id);
  if (existing) resizes.unobserve(existing);
  if (message.deleted) {
    existing?.remove();
    state.rendered.delete(message.id);
    return;
  }
  const article = renderMessage(message);
  if (existing) {
    // Keep a playing video or audio element when only the text or keyboard changed.
    const oldMedia = existing.querySelector('[data-media-url]');
    const newMedia = article.querySelector('[data-media-url]');
    if (oldMedia && newMedia && oldMedia.dataset.mediaUrl === newMedia.dataset.mediaUrl) {
      newMedia.replaceWith(oldMedia);
    }
    existing.replaceWith(article);
    if (flash) flashOnce(article);
  } else {
    // Messages arrive in order, but a snapshot after a reconnect may interleave with events.
    const next = [...state.rendered.keys()]
      .filter((id) => id > message.id)
      .sort((a, b) => a - b)[0];
    if (next !== undefined) elements.messages.insertBefore(article, state.rendered.get(next));
    else elements.messages.append(article);
  }
  state.rendered.set(message.id, article);
  resizes.observe(article);
  if (message.sender === 'user') state.pinnedToEnd = true;
  scrollToEnd();
}

function flashOnce(article) {
  article.classList.add('flash');
  setTimeout(() => article.classList.remove('flash'), 900);
}

function renderMessage(message) {
  const article = document.createElement('article');
  article.className = 'message';
  article.dataset.messageId = String(message.id);
  article.dataset.sender = message.sender;
  if (message.edited) article.dataset.edited = 'true';
  const who = message.sender === 'bot' ? elements.chatTitle.textContent : 'You';
  article.setAttribute(
    'aria-label',
    `${who}, ${timeOf(message.date)}${message.edited ? ', edited' : ''}`,
  );

  const bubble = document.createElement('div');
  bubble.className = 'bubble';
  if (message.media) bubble.append(renderMedia(message.media));
  if (message.text) {
    const text = document.createElement('div');
    text.className = 'text';
    text.append(renderText(message.text, message.entities ?? []));
    bubble.append(text);
  }
  const meta = document.createElement('div');
  meta.className = 'meta';
  if (message.edited) {
    const edited = document.createElement('span');
    edited.textContent = 'edited';
    meta.append(edited);
  }
  const time = document.createElement('time');
  time.dateTime = new Date(message.date * 1000).toISOString();
  time.textContent = timeOf(message.date);
  meta.append(time);
  bubble.append(meta);
  article.append(bubble);

  if (message.keyboard?.length) {
    article.dataset.keyboard = 'true';
    article.append(renderKeyboard(message));
  }
  return article;
}

function renderKeyboard(message) {
  const keyboard = document.createElement('div');
  keyboard.className = 'keyboard';
  keyboard.setAttribute('role', 'group');
  keyboard.setAttribute('aria-label', 'Buttons');
  for (const row of message.keyboard) {
    const line = document.createElement('div');
    line.className = 'keyboard-row';
    for (const button of row) {
      if (button.url) {
        const link = document.createElement('a');
        link.className = 'keyboard-button';
        link.href = safeHref(button.url) ?? '#';
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
        link.textContent = `${button.text} ↗`;
        line.append(link);
      } else if (button.callbackData !== undefined) {
        const element = document.createElement('button');
        element.type = 'button';
        element.className = 'keyboard-button';
        element.textContent = button.text;
        element.addEventListener('click', () => {
          if (element.getAttribute('aria-busy') === 'true') return;
          void pressButton(message.id, button.callbackData, element);
        });
        line.append(element);
      }
    }
    keyboard.append(line);
  }
  return keyboard;
}

function renderMedia(media) {
  const wrapper = document.createElement('div');
  wrapper.className = 'media';
  wrapper.dataset.mediaUrl = media.url;
  const details = [
    media.duration ? formatDuration(media.duration) : undefined,
    media.width && media.height ? `${media.width}×${media.height}` : undefined,
    formatBytes(media.size),
  ].filter(Boolean);

  if (media.kind === 'video') {
    const video = document.createElement('video');
    video.controls = true;
    video.preload = 'metadata';
    video.playsInline = true;
    if (media.thumbnailUrl) video.poster = media.thumbnailUrl;
    if (media.width && media.height) {
      video.width = media.width;
      video.height = media.height;
    }
    const source = document.createElement('source');
    source.src = media.url;
    source.type = media.mimeType;
    video.append(source);
    video.setAttribute('aria-label', media.fileName ? `Video ${media.fileName}` : 'Video');
    video.addEventListener('loadedmetadata', () => scrollToEnd());
    wrapper.append(video);
  } else if (media.kind === 'audio') {
    const title = document.createElement('p');
    title.className = 'media-title';
    title.textContent =
      [media.performer, media.title].filter(Boolean).join(' — ') || media.fileName || 'Audio';
    const audio = document.createElement('audio');
    audio.controls = true;
    audio.preload = 'metadata';
    audio.src = media.url;
    audio.setAttribute('aria-label', `Audio ${title.textContent}`);
    wrapper.append(title, audio);
  } else if (media.kind === 'photo') {
    const image = document.createElement('img');
    image.src = media.url;
    image.alt = media.fileName ?? 'Photo';
    image.style.maxWidth = '100%';
    wrapper.append(image);
  } else {
    const documentRow = document.createElement('div');
    documentRow.className = 'document';
    const icon = document.createElement('span');
    icon.className = 'document-icon';
    icon.setAttribute('aria-hidden', 'true');
    icon.textContent = '⤓';
    const link = document.createElement('a');
    link.href = media.url;
    link.download = media.fileName ?? '';
    link.textContent = media.fileName ?? 'File';
    documentRow.append(icon, link);
    wrapper.append(documentRow);
  }
  const caption = document.createElement('p');
  caption.className = 'media-caption';
  caption.textContent = details.join(' · ');
  wrapper.append(caption);
  return wrapper;
}

/** Telegram's entities (UTF-16 offsets, as JavaScript strings count) as nested elements. */
function renderText(text, entities) {
  const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
  const root = document.createDocumentFragment();
  const build = (parent, start, end, list) => {
    let cursor = start;
    let index = 0;
    while (index < list.length) {
      const entity = list[index];
      const entityStart = Math.max(entity.offset, cursor);
      const entityEnd = Math.min(entity.offset + entity.length, end);
      if (entityStart >= entityEnd) {
        index += 1;
        continue;
      }
      if (entityStart > cursor) parent.append(text.slice(cursor, entityStart));
      let inner = index + 1;
      while (inner < list.length && list[inner].offset < entityEnd) inner += 1;
      const element = elementFor(entity, text.slice(entityStart, entityEnd));
      parent.append(element);
      build(element, entityStart, entityEnd, list.slice(index + 1, inner));
      cursor = entityEnd;
      index = inner;
    }
    if (cursor < end) parent.append(text.slice(cursor, end));
  };
  build(root, 0, text.length, sorted);
  return root;
}

function elementFor(entity, value) {
  const tags = {
    bold: 'strong',
    italic: 'em',
    underline: 'u',
    strikethrough: 's',
    code: 'code',
    pre: 'pre',
    blockquote: 'blockquote',
    expandable_blockquote: 'blockquote',
  };
  if (tags[entity.type]) return document.createElement(tags[entity.type]);
  switch (entity.type) {
    case 'text_link':
    case 'url': {
      const href = safeHref(entity.type === 'url' ? value : entity.url);
      if (!href) return document.createElement('span');
      return externalLink(href);
    }
    case 'email': {
      const link = document.createElement('a');
      link.href = `mailto:${value}`;
      return link;
    }
    case 'mention':
      return externalLink(`https://t.me/${value.slice(1)}`);
    case 'bot_command': {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'command-link';
      button.dataset.command = value;
      button.title = `Send ${value}`;
      return button;
    }
    case 'spoiler': {
      const spoiler = document.createElement('span');
      spoiler.className = 'spoiler';
      spoiler.tabIndex = 0;
      spoiler.setAttribute('role', 'button');
      spoiler.setAttribute('aria-label', 'Spoiler: press to reveal');
      const reveal = () => {
        spoiler.classList.add('revealed');
        spoiler.removeAttribute('role');
        spoiler.removeAttribute('aria-label');
      };
      spoiler.addEventListener('click', reveal);
      spoiler.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') reveal();
      });
      return spoiler;
    }
    default:
      return document.createElement('span');
  }
}

function externalLink(href) {
  const link = document.createElement('a');
  link.href = href;
  link.target = '_blank';
  link.rel = 'noopener noreferrer';
  return link;
}

/** Only web and Telegram links become clickable. */
function safeHref(raw) {
  if (!raw) return undefined;
  const candidate = /^[a-z][a-z0-9+.-]*:/i.test(raw) ? raw : `http://${raw}`;
  try {
    const url = new URL(candidate);
    return ['http:', 'https:', 'tg:', 'mailto:'].includes(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function updateEmptyState() {
  elements.emptyChat.hidden = state.rendered.size > 0;
}

function isNearEnd() {
  const list = elements.messages;
  return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
}

function scrollToEnd(force = false) {
  if (force) state.pinnedToEnd = true;
  if (!state.pinnedToEnd) return;
  elements.messages.scrollTop = elements.messages.scrollHeight;
  // Media sizes settle after layout: scroll once more when they have.
  requestAnimationFrame(() => {
    if (state.pinnedToEnd) elements.messages.scrollTop = elements.messages.scrollHeight;
  });
}

// Only the reader unpins the view (wheel, touch, keys, dragging the scroll bar); layout changes
// and our own scrolling never do. Coming back to the end pins it again.
let pointerDown = false;
elements.messages.addEventListener('pointerdown', () => (pointerDown = true));
window.addEventListener('pointerup', () => (pointerDown = false));
elements.messages.addEventListener('wheel', (event) => {
  if (event.deltaY < 0) state.pinnedToEnd = false;
});
elements.messages.addEventListener('touchmove', () => (state.pinnedToEnd = isNearEnd()));
elements.messages.addEventListener('keydown', (event) => {
  if (['ArrowUp', 'PageUp', 'Home'].includes(event.key)) state.pinnedToEnd = false;
});
elements.messages.addEventListener('scroll', () => {
  if (isNearEnd()) state.pinnedToEnd = true;
  else if (pointerDown) state.pinnedToEnd = false;
});
// Messages change height after they are drawn (a video's frame, an edit): stay at the end.
const resizes = new ResizeObserver(() => scrollToEnd());

function showChatAction(action) {
  clearTimeout(state.actionTimer);
  const label = action ? (chatActionLabels[action] ?? 'busy…') : 'bot';
  elements.chatStatus.textContent = label;
  elements.chatStatus.dataset.busy = action ? 'true' : 'false';
  if (action) state.actionTimer = setTimeout(() => showChatAction(undefined), chatActionMs);
}

function toast(text, isError = false, sticky = false) {
  const element = document.createElement('div');
  element.className = isError ? 'toast error' : 'toast';
  element.textContent = text;
  elements.toasts.append(element);
  setTimeout(() => element.remove(), sticky ? 8000 : 4000);
}

function timeOf(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function formatDuration(seconds) {
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return minutes >= 60
    ? `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}:${rest}`
    : `${minutes}:${rest}`;
}

function formatBytes(bytes) {
  if (!bytes) return undefined;
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

// ---------------------------------------------------------------------------------------------
// Side panel and composer

async function loadConfig() {
  const config = await api(`/api/config?language=${state.language}`);
  elements.chatTitle.textContent = config.bot.name;
  document.title = `${config.bot.name} — sandbox`;
  state.commands = config.commands.length > 0 ? config.commands : fallbackCommands;
  renderCommands();
  renderSamples(config.samples);
}

function renderSamples(samples) {
  elements.samples.replaceChildren();
  if (samples.length === 0) {
    const item = document.createElement('li');
    item.className = 'muted';
    item.textContent = 'No sample media server is running.';
    elements.samples.append(item);
    return;
  }
  for (const sample of samples) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'sample';
    button.dataset.url = sample.url;
    button.setAttribute('aria-label', `Send ${sample.title}: ${sample.description}`);
    const title = document.createElement('span');
    title.className = 'sample-title';
    title.textContent = sample.title;
    const description = document.createElement('span');
    description.className = 'sample-description';
    description.textContent = sample.description;
    const url = document.createElement('span');
    url.className = 'sample-url';
    url.textContent = sample.url;
    button.append(title, description, url);
    button.addEventListener('click', () => void sendText(sample.url).catch(() => {}));
    item.append(button);
    elements.samples.append(item);
  }
}

function renderCommands() {
  elements.commandList.replaceChildren();
  for (const { command, description } of state.commands) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    const name = document.createElement('span');
    name.className = 'command-name';
    name.textContent = `/${command}`;
    const text = document.createElement('span');
    text.textContent = description;
    button.append(name, text);
    button.addEventListener('click', () => {
      closeCommandMenu();
      void sendText(`/${command}`).catch(() => {});
    });
    item.append(button);
    elements.commandList.append(item);
  }
}

function openCommandMenu() {
  elements.commandMenu.hidden = false;
  elements.commandsButton.setAttribute('aria-expanded', 'true');
  elements.commandList.querySelector('button')?.focus();
}

function closeCommandMenu() {
  elements.commandMenu.hidden = true;
  elements.commandsButton.setAttribute('aria-expanded', 'false');
}

function showUser() {
  elements.userId.textContent = String(state.userId);
  elements.userName.textContent = state.firstName;
  elements.language.value = state.language;
  document.documentElement.lang = state.language;
}

elements.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = elements.input.value;
  if (!text.trim()) return;
  elements.input.value = '';
  sendText(text).catch(() => {
    elements.input.value = text;
  });
});

elements.messages.addEventListener('click', (event) => {
  const command = event.target.closest?.('[data-command]');
  if (command) void sendText(command.dataset.command).catch(() => {});
});

elements.commandsButton.addEventListener('click', () => {
  if (elements.commandMenu.hidden) openCommandMenu();
  else closeCommandMenu();
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !elements.commandMenu.hidden) {
    closeCommandMenu();
    elements.commandsButton.focus();
  }
});
elements.input.addEventListener('input', () => {
  if (elements.input.value === '/') openCommandMenu();
});

elements.language.addEventListener('change', () => {
  state.language = elements.language.value;
  remember();
  showUser();
  void loadConfig().catch(() => {});
});

elements.newChat.addEventListener('click', () => {
  state.userId = newUserId();
  remember();
  showUser();
  connect();
  elements.input.focus();
});

remember();
showUser();
connect();
loadConfig().catch((error) => toast(`Could not load the sandbox settings: ${error.message}`, true));
