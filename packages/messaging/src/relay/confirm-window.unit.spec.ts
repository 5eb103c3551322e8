import { describe, expect, it } from 'vitest';
import { createConfirmWindow } from './confirm-window.ts';

const at = (globalPosition: bigint) => ({ transactionId: 7n, globalPosition });

describe('createConfirmWindow', () => {
  it('moves only over confirms without gaps, whatever their order', () => {
    const window = createConfirmWindow(10);
    const [a, b, c] = [window.track(at(1n)), window.track(at(2n)), window.track(at(3n))];
    c.confirm();
    expect(window.takeConfirmedPrefix()).toBeUndefined();
    a.confirm();
    expect(window.takeConfirmedPrefix()).toEqual(at(1n));
    b.confirm();
    expect(window.takeConfirmedPrefix()).toEqual(at(3n));
    expect(window.takeConfirmedPrefix()).toBeUndefined();
  });

  it('holds publishers back while the window is full', async () => {
    const window = createConfirmWindow(2);
    const first = window.track(at(1n));
    window.track(at(2n));
    let free = false;
    const slot = window.waitForSlot().then(() => (free = true));
    await Promise.resolve();
    expect(free).toBe(false);
    first.confirm();
    await slot;
    expect(window.inFlight()).toBe(1);
  });

  it('fails every waiter once a publication is refused', async () => {
    const window = createConfirmWindow(1);
    const refused = window.track(at(1n));
    const all = window.waitForAll();
    refused.fail(new Error('nack'));
    await expect(all).rejects.toThrow('nack');
    await expect(window.waitForSlot()).rejects.toThrow('nack');
    expect(window.takeConfirmedPrefix()).toBeUndefined();
  });
});
