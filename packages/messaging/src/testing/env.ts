import { fileURLToPath } from 'node:url';

export const relayMainFile = fileURLToPath(new URL('../relay/main.ts', import.meta.url));
export const consumerProcessFile = fileURLToPath(new URL('./consumer-process.ts', import.meta.url));
