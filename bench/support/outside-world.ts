// The world outside the product — the site serving media and the S3 server — each in a process
// of its own, as they are on other machines in production. Run in the benchmark process, they
// shared its one event loop with the fake Bot API and the benchmark's own bookkeeping, so a
// 100 MB transfer through them measured that loop as much as the product.
//
// Run as a child: node bench/support/outside-world.ts media <dir>
//                 node bench/support/outside-world.ts s3 <dir> <accessKey> <secretKey>
// It prints one JSON line ({ "origin" } or { "endpoint" }) once listening, and stops on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface OutsideServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  close(): Promise<void>;
}

const thisFile = fileURLToPath(import.meta.url);

async function startChild(args: string[]): Promise<OutsideServer> {
  const child: ChildProcess = spawn(process.execPath, [thisFile, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`outside-world ${args[0]} exited before listening`);
    }),
  ])) as [string];
  const { url } = JSON.parse(first) as { url: string };
  return {
    url,
    port: Number(new URL(url).port),
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** The sample media server over `dir`, in a child process. */
export function startOutsideMediaServer(dir: string): Promise<OutsideServer> {
  return startChild(['media', dir]);
}

/** The embedded S3 (s3rver behind the SigV4 gate) keeping its objects in `dir`, in a child process. */
export function startOutsideS3(
  dir: string,
  credentials: { accessKey: string; secretKey: string },
): Promise<OutsideServer> {
  return startChild(['s3', dir, credentials.accessKey, credentials.secretKey]);
}

async function serve(kind: string | undefined, args: string[]): Promise<void> {
  let url: string;
  let close: () => Promise<void>;
  if (kind === 'media') {
    const { startMediaServer } = await import('@mediabot/sample-media');
    const server = await startMediaServer({ dir: args[0]! });
    ({ origin: url } = server);
    close = () => server.close();
  } else if (kind === 's3') {
    const { startEmbeddedS3 } = await import('@mediabot/object-storage/embedded');
    const s3 = await startEmbeddedS3({
      directory: args[0]!,
      port: 0,
      accessKey: args[1]!,
      secretKey: args[2]!,
    });
    url = s3.endpoint;
    close = () => s3.close();
  } else {
    throw new Error(`unknown outside server ${String(kind)}`);
  }
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  process.once('SIGTERM', () => void close().finally(() => process.exit(0)));
}

if (process.argv[1] === thisFile) {
  await serve(process.argv[2], process.argv.slice(3));
}
