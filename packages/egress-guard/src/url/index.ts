export {
  blockedHostReason,
  defaultAllowedPorts,
  maxUrlLength,
  validateUrlText,
  type BlockedNameReason,
  type ValidateUrlOptions,
} from './validate-url-text.ts';
