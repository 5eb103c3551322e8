/** Told about every message a consumer settles; service-kit implements it with prom-client. */
export interface HandlingObserver {
  handled(info: {
    consumer: string;
    type: string;
    durationSeconds: number;
    lagSeconds: number;
  }): void;
  failed(info: { consumer: string; type: string; code: string; willRetry: boolean }): void;
  deadLettered(info: { consumer: string; type: string; reason: string }): void;
}

export const silentHandlingObserver: HandlingObserver = {
  handled: () => {},
  failed: () => {},
  deadLettered: () => {},
};
