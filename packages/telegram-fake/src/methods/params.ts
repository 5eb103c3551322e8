/**
 * The arguments of one Bot API call, however they came (query string, JSON, urlencoded form or
 * multipart fields). Like the real server, every scalar may arrive as text: "42", "true".
 */
export class Params {
  readonly values: Readonly<Record<string, unknown>>;

  constructor(values: Readonly<Record<string, unknown>>) {
    this.values = values;
  }

  has(name: string): boolean {
    const value = this.values[name];
    return value !== undefined && value !== null && value !== '';
  }

  raw(name: string): unknown {
    const value = this.values[name];
    return value === null ? undefined : value;
  }

  string(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return JSON.stringify(value);
  }

  /** Telegram reads integers leniently: leading digits count, anything else is 0. */
  integer(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined || value === '') return undefined;
    if (typeof value === 'number') return Math.trunc(value);
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value !== 'string') return 0;
    const parsed = Number.parseInt(value.trim(), 10);
    return Number.isNaN(parsed) ? 0 : parsed;
  }

  integerIn(name: string, fallback: number, min: number, max: number): number {
    const value = this.integer(name);
    if (value === undefined) return fallback;
    return Math.min(max, Math.max(min, value));
  }

  boolean(name: string): boolean {
    const value = this.raw(name);
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number') return value !== 0;
    if (typeof value !== 'string') return false;
    const lowered = value.trim().toLowerCase();
    return lowered === 'true' || lowered === '1';
  }

  /** A JSON-serialised argument: already parsed in JSON bodies, JSON text in forms. */
  json(name: string): { value: unknown } | { error: true } | undefined {
    const value = this.raw(name);
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') return { value };
    try {
      return { value: JSON.parse(value) as unknown };
    } catch {
      return { error: true };
    }
  }
}
