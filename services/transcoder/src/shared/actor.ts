export const transcoderActor = { kind: 'service', id: 'transcoder' } as const;
