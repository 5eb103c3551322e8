export {
  consumerIdentity,
  defaultPrefix,
  topologyNames,
  type ConsumerQueueNames,
  type TopologyNames,
} from './names.ts';
export {
  declareConsumerQueues,
  declareExchanges,
  declareTopology,
  mainQueueArguments,
  retryQueueArguments,
  type ConsumerTopology,
  type TopologyOptions,
} from './declare.ts';
