import { defineMethod } from './method.ts';

export const getMe = defineMethod({
  name: 'getMe',
  run: ({ bot }) => ({ result: bot.user }),
});
