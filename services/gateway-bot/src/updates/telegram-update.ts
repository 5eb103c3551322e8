import { z } from 'zod';

/** The part of a Telegram Update the gateway acts on; everything else is ignored, not rejected. */
const userSchema = z.object({
  id: z.number().int().positive(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});

const entitySchema = z.object({
  type: z.string(),
  offset: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
  url: z.string().optional(),
});

const messageSchema = z.object({
  message_id: z.number().int().positive(),
  date: z.number().int(),
  chat: z.object({ id: z.number().int(), type: z.string() }),
  from: userSchema.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  entities: z.array(entitySchema).optional(),
  caption_entities: z.array(entitySchema).optional(),
});

export const telegramUpdateSchema = z.object({
  update_id: z.number().int().nonnegative(),
  message: messageSchema.optional(),
  callback_query: z
    .object({
      id: z.string().min(1),
      from: userSchema,
      data: z.string().optional(),
      message: z
        .object({
          message_id: z.number().int().positive(),
          date: z.number().int(),
          chat: z.object({ id: z.number().int() }),
        })
        .optional(),
    })
    .optional(),
});
export type TelegramUpdate = z.infer<typeof telegramUpdateSchema>;
export type TelegramMessage = z.infer<typeof messageSchema>;
export type TelegramEntity = z.infer<typeof entitySchema>;
