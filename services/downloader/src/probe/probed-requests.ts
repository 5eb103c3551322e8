import { sql } from 'kysely';
import { z } from 'zod';
import { qualityOptionSchema } from '@mediabot/contracts';
import type { AnyDatabase, AnyTransaction } from '@mediabot/eventstore';
import type { ProbedRequest } from './probe.decide.ts';

const rowSchema = z.object({
  request_id: z.string(),
  chat_id: z.union([z.string(), z.number()]).transform(Number),
  media_key: z.string(),
  title: z.string(),
  uploader: z.string().nullable(),
  url: z.string(),
  options: z.array(qualityOptionSchema),
});

/** Records what a probe found; the first record of a request wins (repeats carry the same). */
export async function saveProbedRequest(
  db: AnyDatabase | AnyTransaction,
  request: ProbedRequest,
  probedEventId: string,
): Promise<void> {
  await sql`
    insert into downloader.probed_requests
      (request_id, chat_id, media_key, title, uploader, url, options, probed_event_id)
    values (${request.requestId}::uuid, ${request.chatId}, ${request.mediaKey}, ${request.title},
            ${request.uploader}, ${request.url}, ${JSON.stringify(request.options)}::jsonb,
            ${probedEventId}::uuid)
    on conflict (request_id) do nothing`.execute(db);
}

export async function findProbedRequest(
  db: AnyDatabase | AnyTransaction,
  requestId: string,
): Promise<ProbedRequest | undefined> {
  const { rows } = await sql<unknown>`
    select request_id, chat_id, media_key, title, uploader, url, options
    from downloader.probed_requests where request_id = ${requestId}::uuid`.execute(db);
  if (rows[0] === undefined) return undefined;
  const row = rowSchema.parse(rows[0]);
  return {
    requestId: row.request_id,
    chatId: row.chat_id,
    mediaKey: row.media_key,
    title: row.title,
    uploader: row.uploader,
    url: row.url,
    options: row.options,
  };
}
