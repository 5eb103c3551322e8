import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestStream } from '@mediabot/contracts';
import { startNotifierHarness, type NotifierHarness } from '../testing/notifier-harness.ts';
import { journey, mediaReady } from '../testing/journey-events.ts';

// No waiting inside handlers: every 429 goes back to RabbitMQ's wait queues and comes back later.
let h: NotifierHarness;
beforeAll(async () => {
  h = await startNotifierHarness({ env: { TELEGRAM_MAX_WAIT_MS: '0' } });
});
afterAll(async () => {
  await h?.stop();
});

describe('flood control (429 with retry_after)', () => {
  it('delivers later through the wait queues: nothing lost, nothing doubled', async () => {
    const user = h.driver.user({
      id: 610_000_000 + Math.floor(Math.random() * 1e6),
      first_name: 'Bo',
    });
    const { message } = user.sendText('https://vimeo.com/76979871');
    const chatId = user.chatId;
    const request = journey({ chatId, userMessageId: message.message_id });
    h.fake.faults.tooManyRequests({ method: 'sendMessage', chatId }, 1, 1);
    h.fake.faults.tooManyRequests({ method: 'sendVideo', chatId }, 2, 1);

    const queued = request.fetchQueued(true);
    await h.append(request.requested(), request.formatSelected(), queued);
    await h.handled(queued.eventId, 30_000);
    const objectKey = `media/${request.requestId}.mp4`;
    await h.storage.putStream('media', objectKey, Readable.from([Buffer.alloc(50_000, 1)]), {
      contentType: 'video/mp4',
      sizeBytes: 50_000,
    });
    await h.append(mediaReady(request.cacheKey, { objectKey, sizeBytes: 50_000 }));

    await expect
      .poll(
        async () =>
          (await h.store.readStream(requestStream(request.requestId))).filter(
            (event) => event.type === 'download.delivered',
          ).length,
        { timeout: 45_000, interval: 200 },
      )
      .toBe(1);

    await h.driver.waitForMessage(
      chatId,
      (message) => (message.text ?? '').endsWith('✅ Sent! Enjoy.'),
      { after: 0, timeoutMs: 15_000 },
    );
    const calls = (method: string) =>
      h.fake.calls.filter((call) => call.method === method && call.chatId === chatId);
    expect(calls('sendVideo').map((call) => call.httpStatus)).toEqual([429, 200]);
    expect(calls('sendMessage').map((call) => call.httpStatus)).toEqual([429, 200]);
    const botMessages = h.driver.transcript(chatId).filter((entry) => entry.sender === 'bot');
    expect(
      botMessages.map((entry) => (entry.message.video ? 'video' : entry.message.text)),
    ).toEqual(['Big Buck Bunny\n👤 Blender\n\n✅ Sent! Enjoy.', 'video']);
  });
});
