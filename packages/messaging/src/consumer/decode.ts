import { ContractError, type Envelope, type MessageRegistry } from '@mediabot/contracts';

/** The AMQP body as an envelope of a known type, its data upcast; ContractError otherwise. */
export function decodeMessage(content: Buffer, registry: MessageRegistry): Envelope {
  let raw: unknown;
  try {
    raw = JSON.parse(content.toString('utf8'));
  } catch (error) {
    throw new ContractError(
      'invalid_payload',
      `Message body is not JSON: ${(error as Error).message}`,
    );
  }
  return registry.parse(raw);
}
