export {
  sandboxLanguages,
  startSandboxServer,
  type SampleLink,
  type SandboxLanguage,
  type SandboxOptions,
  type SandboxServer,
} from './sandbox-server.ts';
export {
  toMessageView,
  type ButtonView,
  type MediaView,
  type MessageView,
} from './message-view.ts';
export { sampleLinks } from './samples.ts';
