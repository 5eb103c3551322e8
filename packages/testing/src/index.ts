export { serviceUrls, type ServiceUrls } from './service-urls.ts';
export { createTestDatabase, type TestDatabase } from './test-database.ts';
export { createTestVhost, type TestVhost } from './test-vhost.ts';
export { spawnNode, type ChildHandle, type ExitInfo, type SpawnNodeOptions } from './spawn-node.ts';
export { startPrivateRabbit, type PrivateRabbit } from './private-rabbit.ts';
