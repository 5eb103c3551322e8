import { badRequest, Reasons } from '../bot-api/errors.ts';
import type { File } from '../bot-api/types.ts';
import { defineMethod } from './method.ts';

export const getFile = defineMethod({
  name: 'getFile',
  run: ({ bot, params }) => {
    const stored = bot.files.find(params.string('file_id')?.trim() ?? '');
    if (!stored) throw badRequest(Reasons.invalidFileId);
    if (stored.size > bot.limits.downloadBytes) throw badRequest(Reasons.fileTooBig);
    const file: File = {
      file_id: stored.fileId,
      file_unique_id: stored.fileUniqueId,
      file_size: stored.size,
      file_path: stored.filePath,
    };
    return { result: file };
  },
});
