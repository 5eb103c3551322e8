/**
 * A place in the global log. Events are read in (transactionId, globalPosition) order: the
 * position alone is not commit order, because a transaction that took position 10 may commit
 * after one that took position 11.
 */
export interface LogPosition {
  transactionId: bigint;
  globalPosition: bigint;
}

export const logStart: LogPosition = Object.freeze({ transactionId: 0n, globalPosition: 0n });

export function isAfter(a: LogPosition, b: LogPosition): boolean {
  return (
    a.transactionId > b.transactionId ||
    (a.transactionId === b.transactionId && a.globalPosition > b.globalPosition)
  );
}

export function samePosition(a: LogPosition, b: LogPosition): boolean {
  return a.transactionId === b.transactionId && a.globalPosition === b.globalPosition;
}

export function positionOf(event: { transactionId: bigint; globalPosition: bigint }): LogPosition {
  return { transactionId: event.transactionId, globalPosition: event.globalPosition };
}
