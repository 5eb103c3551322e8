import { createRegistry } from '../registry/registry.ts';
import { UserRegistered, UserSettingsChanged } from './identity.ts';

export * from './shared.ts';
export * from './identity.ts';

/** Every message MediaBot knows. A type missing here cannot be appended, published or consumed. */
export const registry = createRegistry([UserRegistered, UserSettingsChanged]);
