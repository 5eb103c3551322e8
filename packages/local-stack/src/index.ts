export { freePort } from './free-port.ts';
export {
  startServiceProcess,
  waitUntilReady,
  type LogSink,
  type ServiceProcess,
} from './service-process.ts';
export {
  availableServices,
  repositoryRoot,
  startStack,
  type S3Settings,
  type Stack,
  type StackOptions,
  type TelegramSettings,
} from './stack.ts';
