import { AppError } from '@mediabot/contracts';
import type { z } from 'zod';

export interface ConfigProblem {
  variable: string;
  problem: string;
}

/** The environment does not describe a runnable service. Never retryable: fix the env and restart. */
export class ConfigError extends AppError<'invalid_config'> {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map(({ variable, problem }) => `  ${variable}: ${problem}`);
    super('invalid_config', ['Invalid configuration:', ...lines].join('\n'), {
      retryable: false,
      details: { problems },
    });
    this.problems = problems;
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment once, at boot. An empty variable counts as unset, so `SENTRY_DSN=` in an
 * .env file means "no Sentry". Throws a ConfigError listing every problem at once.
 */
export function loadConfig<TConfig>(
  schema: z.ZodType<TConfig>,
  env: Env = process.env,
): Readonly<TConfig> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(present);
  if (result.success) return Object.freeze(result.data);

  const problems = result.error.issues.map((issue): ConfigProblem => {
    const variable = issue.path.map(String).join('.') || '(environment)';
    const missing = issue.code === 'invalid_type' && present[variable] === undefined;
    return { variable, problem: missing ? 'is required but not set' : issue.message };
  });
  throw new ConfigError(problems);
}
