import { ContractError } from '../errors/app-error.ts';
import { envelopeSchema, type Envelope } from '../envelope/envelope.ts';
import type { MessageDefinition } from './define-message.ts';
import { z } from 'zod';

export interface MessageRegistry {
  readonly definitions: readonly MessageDefinition[];
  get(type: string): MessageDefinition;
  has(type: string): boolean;
  /**
   * Parses an envelope from any source (store row, AMQP body, NDJSON line) and returns it with
   * its data upcast to the current version of its type.
   */
  parse(raw: unknown): Envelope;
}

export function createRegistry(definitions: readonly MessageDefinition[]): MessageRegistry {
  const byType = new Map<string, MessageDefinition>();
  for (const definition of definitions) {
    if (byType.has(definition.type))
      throw new Error(`Message type ${definition.type} is defined twice`);
    byType.set(definition.type, definition);
  }
  const get = (type: string): MessageDefinition => {
    const definition = byType.get(type);
    if (!definition)
      throw new ContractError('unknown_message_type', `Unknown message type "${type}"`, { type });
    return definition;
  };
  return {
    definitions: [...byType.values()].sort((a, b) => a.type.localeCompare(b.type)),
    get,
    has: (type) => byType.has(type),
    parse(raw) {
      const parsed = envelopeSchema.safeParse(raw);
      if (!parsed.success) {
        throw new ContractError(
          'invalid_payload',
          `Invalid envelope: ${z.prettifyError(parsed.error)}`,
          {
            issues: parsed.error.issues,
          },
        );
      }
      const definition = get(parsed.data.type);
      return {
        ...parsed.data,
        version: definition.version,
        data: definition.parseData(parsed.data.version, parsed.data.data),
      };
    },
  };
}
