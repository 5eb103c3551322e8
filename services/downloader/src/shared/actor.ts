export const downloaderActor = { kind: 'service', id: 'downloader' } as const;
