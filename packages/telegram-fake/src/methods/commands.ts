import { z } from 'zod';
import { badRequest } from '../bot-api/errors.ts';
import { defineMethod } from './method.ts';
import type { Params } from './params.ts';

const commandsSchema = z
  .array(
    z.object({
      command: z.string().regex(/^[a-z0-9_]{1,32}$/, 'BOT_COMMAND_INVALID'),
      description: z
        .string()
        .min(1, 'BOT_COMMAND_DESCRIPTION_INVALID')
        .max(256, 'BOT_COMMAND_DESCRIPTION_INVALID'),
    }),
  )
  .max(100, 'BOT_COMMANDS_TOO_MUCH');

/** Commands are kept per scope and language, as the Bot API keeps them. */
function listKey(params: Params): string {
  const scope = params.json('scope');
  const scopeKey = scope && 'value' in scope ? JSON.stringify(scope.value) : '{"type":"default"}';
  return `${scopeKey}|${params.string('language_code') ?? ''}`;
}

export const setMyCommands = defineMethod({
  name: 'setMyCommands',
  run: ({ bot, params }) => {
    const raw = params.json('commands');
    if (!raw || 'error' in raw) throw badRequest("can't parse commands JSON object");
    const parsed = commandsSchema.safeParse(raw.value);
    if (!parsed.success) throw badRequest(parsed.error.issues[0]?.message ?? 'BOT_COMMAND_INVALID');
    bot.commands.set(listKey(params), { commands: parsed.data });
    return { result: true };
  },
});

export const getMyCommands = defineMethod({
  name: 'getMyCommands',
  run: ({ bot, params }) => ({ result: bot.commands.get(listKey(params))?.commands ?? [] }),
});

export const deleteMyCommands = defineMethod({
  name: 'deleteMyCommands',
  run: ({ bot, params }) => {
    bot.commands.delete(listKey(params));
    return { result: true };
  },
});
