import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { adminQuery, management } from './services.ts';

export interface MachineInfo {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  rabbitmq: string;
  loadAverage: string;
}

export async function machineInfo(serverUrl: string): Promise<MachineInfo> {
  const [row] = await adminQuery<{ server_version: string }>(serverUrl, 'show server_version');
  const overview = (await management('GET', '/overview').catch(() => undefined)) as
    { rabbitmq_version?: string } | undefined;
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: row?.server_version ?? 'unknown',
    rabbitmq: overview?.rabbitmq_version ?? 'unknown',
    loadAverage: currentLoad(),
  };
}

export function currentLoad(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

export function describeMachine(info: MachineInfo): string {
  return [
    `- date: ${info.date}`,
    `- CPU: ${info.nproc} × ${info.cpuModel}; memory ${info.memoryGiB} GiB`,
    `- Node ${info.node}; PostgreSQL ${info.postgres}; RabbitMQ ${info.rabbitmq}`,
    `- load average at start (1/5/15 min): ${info.loadAverage}`,
  ].join('\n');
}

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]) {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const formatRate = (perSecond: number) => Math.round(perSecond).toLocaleString('en-US');
export const formatMs = (ms: number) => ms.toFixed(ms < 10 ? 2 : 1);

/** `--name value` from argv, for the few knobs a benchmark takes. */
export function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : Number.NaN;
  return Number.isFinite(value) ? value : fallback;
}
