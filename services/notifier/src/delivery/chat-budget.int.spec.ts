import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestStream } from '@mediabot/contracts';
import type { Message } from '@mediabot/telegram-fake';
import { startNotifierHarness, type NotifierHarness } from '../testing/notifier-harness.ts';
import { journey } from '../testing/journey-events.ts';

// One call per chat every 4 s (no burst) and one send at a time: a delivery that waited for its
// chat's budget while holding the send would stop every other chat's delivery for seconds.
let h: NotifierHarness;
let fileId: string;
let nextUserId = 620_000_000 + Math.floor(Math.random() * 1e6);
const secondsPerCall = 4;

beforeAll(async () => {
  h = await startNotifierHarness({
    env: {
      RATE_PER_CHAT_PER_SECOND: String(1 / secondsPerCall),
      NOTIFIER_DELIVERY_CONCURRENCY: '1',
    },
  });
  // One upload, for a file_id the fake knows.
  const { chatId, messageId } = newUser();
  const request = journey({ chatId, userMessageId: messageId });
  const objectKey = `media/${request.requestId}.mp4`;
  await h.storage.putStream('media', objectKey, Readable.from([Buffer.alloc(20_000, 3)]), {
    contentType: 'video/mp4',
    sizeBytes: 20_000,
  });
  await h.append(request.cacheHit(null, objectKey));
  const deadline = Date.now() + 15_000;
  while (!sendVideoIn(chatId) && Date.now() < deadline) await sleep(50);
  const upload = sendVideoIn(chatId);
  fileId = (upload?.response?.ok ? (upload.response.result as Message) : undefined)?.video
    ?.file_id as string;
  expect(fileId).toBeTruthy();
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

function newUser() {
  const user = h.driver.user({ id: nextUserId++, first_name: 'Cy', language_code: 'en' });
  const action = user.sendText('https://www.youtube.com/watch?v=aqz-KE-bpKQ');
  return { chatId: user.chatId, messageId: action.message.message_id };
}

const callsIn = (chatId: number, after = 0) =>
  h.fake.calls.filter((call) => call.chatId === chatId && call.startedAt >= after);
const sendVideoIn = (chatId: number, after = 0) =>
  callsIn(chatId, after).find((call) => call.method === 'sendVideo' && call.httpStatus === 200);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('deliveries and the per-chat sending budget', () => {
  it('a chat out of budget does not delay another chat’s delivery', async () => {
    const spent = newUser();
    const other = newUser();
    // The first chat's only call for the next 4 s.
    await h.deps.bot.call('sendMessage', { chat_id: spent.chatId, text: 'budget spent' });
    const waitingRequest = journey({ chatId: spent.chatId, userMessageId: spent.messageId });
    const otherRequest = journey({ chatId: other.chatId, userMessageId: other.messageId });

    await h.append(waitingRequest.cacheHit(fileId, null));
    await sleep(300);
    const otherAt = Date.now();
    await h.append(otherRequest.cacheHit(fileId, null));

    await expect.poll(() => sendVideoIn(other.chatId), { timeout: 15_000 }).toBeTruthy();
    await expect.poll(() => sendVideoIn(spent.chatId), { timeout: 15_000 }).toBeTruthy();
    const otherSent = sendVideoIn(other.chatId)!.startedAt;
    const spentSent = sendVideoIn(spent.chatId)!.startedAt;
    expect(otherSent - otherAt).toBeLessThan(1_500);
    expect(spentSent).toBeGreaterThan(otherSent);
  });

  it('sends the file first and leaves the status edit for when the chat has budget again', async () => {
    const { chatId, messageId } = newUser();
    const request = journey({ chatId, userMessageId: messageId });
    const queued = request.fetchQueued(false);
    await h.append(request.requested(), request.formatSelected(), queued);
    await h.handled(queued.eventId, 30_000);
    await expect
      .poll(() => callsIn(chatId).map((call) => call.method), { timeout: 15_000 })
      .toEqual(['sendMessage', 'editMessageText']);
    // The bucket refills to its single call.
    await sleep(secondsPerCall * 1000 + 200);

    const mark = Date.now();
    const hit = request.cacheHit(fileId, null);
    await h.append(hit);
    await h.handled(hit.eventId, 15_000);
    const handledAt = Date.now();
    await expect
      .poll(() => callsIn(chatId, mark).map((call) => call.method), { timeout: 15_000 })
      .toEqual(['sendVideo', 'editMessageText']);
    const after = callsIn(chatId, mark);
    expect(after[1]!.params.text).toMatch(/✅ Sent! Enjoy\.$/);
    expect(after[0]!.startedAt - mark).toBeLessThan(1_500);
    // The delivery was handled (its consumer slot free) well before the edit could go out.
    expect(after[1]!.startedAt).toBeGreaterThan(handledAt);
    expect(after[1]!.startedAt - after[0]!.startedAt).toBeGreaterThan(secondsPerCall * 1000 - 500);
    const events = await h.store.readStream(requestStream(request.requestId));
    expect(events.filter((event) => event.type === 'download.delivered')).toHaveLength(1);
  }, 30_000);
});
