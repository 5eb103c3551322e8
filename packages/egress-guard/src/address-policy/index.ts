export {
  checkAddress,
  createAllowList,
  isBlockedAddress,
  type AddressVerdict,
  type AllowList,
  type BlockedRange,
} from './address-policy.ts';
export {
  canonicalIp,
  parseIp,
  embeddedIpv4,
  type EmbeddingForm,
  type ParsedIp,
} from './ip-address.ts';
