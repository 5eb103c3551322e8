import type { ApiResponse } from '../bot-api/types.ts';
import type { TelegramFake } from '../server/telegram-fake.ts';

export type BodyStyle = 'json' | 'form' | 'multipart' | 'query';

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: ApiResponse;
}

/**
 * A plain fetch-based Bot API client for tests: sends the arguments as JSON, an urlencoded form,
 * multipart form data (objects JSON-serialised, as client libraries do) or a query string.
 */
export async function callBotApi(
  fake: TelegramFake,
  method: string,
  args: Record<string, unknown> = {},
  options: {
    style?: BodyStyle;
    files?: Record<string, Blob & { name?: string }>;
    signal?: AbortSignal;
  } = {},
): Promise<RawAnswer> {
  const style = options.style ?? (options.files ? 'multipart' : 'json');
  const asText = (value: unknown): string =>
    typeof value === 'string' ? value : JSON.stringify(value);
  const pairs = (): [string, string][] =>
    Object.entries(args).map(([key, value]) => [key, asText(value)]);
  let url = fake.methodUrl(method);
  let init: RequestInit = { method: 'POST' };
  switch (style) {
    case 'json':
      init = {
        ...init,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(args),
      };
      break;
    case 'form':
      init = {
        ...init,
        body: new URLSearchParams(pairs()),
      };
      break;
    case 'multipart': {
      const form = new FormData();
      for (const [key, value] of Object.entries(args)) form.append(key, asText(value));
      for (const [key, blob] of Object.entries(options.files ?? {}))
        form.append(key, blob, blob.name ?? key);
      init = { ...init, body: form };
      break;
    }
    case 'query':
      url += `?${new URLSearchParams(pairs()).toString()}`;
      init = { method: 'GET' };
      break;
  }
  const response = await fetch(url, {
    ...init,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as ApiResponse,
  };
}

/** The result of a call that must succeed. */
export async function resultOf<T = unknown>(
  fake: TelegramFake,
  method: string,
  args: Record<string, unknown> = {},
  options: Parameters<typeof callBotApi>[3] = {},
): Promise<T> {
  const answer = await callBotApi(fake, method, args, options);
  if (!answer.body.ok)
    throw new Error(`${method} failed: ${answer.body.error_code} ${answer.body.description}`);
  return answer.body.result as T;
}
