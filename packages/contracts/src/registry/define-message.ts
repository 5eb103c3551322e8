import { z } from 'zod';
import { ContractError } from '../errors/app-error.ts';
import { envelope, type Envelope, type EnvelopeOptions } from '../envelope/envelope.ts';

export type MessageKind = 'event' | 'command';

export const serviceNames = [
  'gateway-bot',
  'identity',
  'quota',
  'downloader',
  'transcoder',
  'storage',
  'billing',
  'notifier',
  'scheduler',
] as const;
export type ServiceName = (typeof serviceNames)[number];

/** An older schema version, with the function that lifts its data to the next version. */
export interface PreviousVersion {
  version: number;
  schema: z.ZodType;
  upcast: (data: never) => unknown;
  description?: string;
}

export interface MessageDefinition<
  TType extends string = string,
  TSchema extends z.ZodType = z.ZodType,
> {
  kind: MessageKind;
  type: TType;
  version: number;
  description: string;
  producer: ServiceName;
  schema: TSchema;
  previousVersions: readonly PreviousVersion[];
  /** Validates data and wraps it in an envelope at the current version. */
  create(data: z.input<TSchema>, options: EnvelopeOptions): Envelope<TType, z.output<TSchema>>;
  /** Parses data written at any known version and returns it in the current shape. */
  parseData(version: number, data: unknown): z.output<TSchema>;
  is(message: Pick<Envelope, 'type'>): message is Envelope<TType, z.output<TSchema>>;
}

export function defineMessage<const TType extends string, TSchema extends z.ZodType>(definition: {
  kind: MessageKind;
  type: TType;
  version: number;
  description: string;
  producer: ServiceName;
  schema: TSchema;
  previousVersions?: readonly PreviousVersion[];
}): MessageDefinition<TType, TSchema> {
  const previousVersions = [...(definition.previousVersions ?? [])].sort(
    (a, b) => a.version - b.version,
  );
  const chain = new Map(previousVersions.map((previous) => [previous.version, previous]));
  for (const previous of previousVersions) {
    if (previous.version >= definition.version) {
      throw new Error(
        `${definition.type}: previous version ${previous.version} is not older than ${definition.version}`,
      );
    }
  }

  function parseAt(schema: z.ZodType, version: number, data: unknown): unknown {
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw new ContractError(
        'invalid_payload',
        `${definition.type} v${version}: ${z.prettifyError(parsed.error)}`,
        {
          type: definition.type,
          version,
          issues: parsed.error.issues,
        },
      );
    }
    return parsed.data;
  }

  const parseData = (version: number, data: unknown): z.output<TSchema> => {
    if (version === definition.version)
      return parseAt(definition.schema, version, data) as z.output<TSchema>;
    if (!chain.has(version)) {
      throw new ContractError(
        'unsupported_version',
        `${definition.type} has no version ${version}`,
        {
          type: definition.type,
          version,
          known: [...chain.keys(), definition.version],
        },
      );
    }
    // Walk the chain: each known older version parses with its own schema, then lifts one step.
    let current: unknown = data;
    for (const previous of previousVersions) {
      if (previous.version < version) continue;
      current = previous.upcast(parseAt(previous.schema, previous.version, current) as never);
    }
    return parseAt(definition.schema, definition.version, current) as z.output<TSchema>;
  };

  return {
    kind: definition.kind,
    type: definition.type,
    version: definition.version,
    description: definition.description,
    producer: definition.producer,
    schema: definition.schema,
    previousVersions,
    create: (data, options) =>
      envelope(
        {
          type: definition.type,
          version: definition.version,
          data: parseAt(definition.schema, definition.version, data) as z.output<TSchema>,
        },
        options,
      ),
    parseData,
    is: (message): message is Envelope<TType, z.output<TSchema>> =>
      message.type === definition.type,
  };
}
