export * from './envelope/envelope.ts';
export * from './envelope/uuidv7.ts';
export * from './errors/app-error.ts';
export * from './registry/define-message.ts';
export * from './registry/registry.ts';
export * from './events/index.ts';
export { renderCatalogue } from './catalogue/render-catalogue.ts';
