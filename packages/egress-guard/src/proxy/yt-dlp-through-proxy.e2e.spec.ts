import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, type Origin } from '../testing/loopback.ts';
import { startEgressProxy, type EgressProxy } from './egress-proxy.ts';

// The downloader runs yt-dlp with `--proxy <egress proxy>`; this is that path end to end, with a
// media server on loopback. Nothing here talks to anything but 127.0.0.x.
const ytDlpAvailable = spawnSync('yt-dlp', ['--version']).status === 0;
const opensslAvailable = spawnSync('openssl', ['version']).status === 0;

const clip = Buffer.alloc(8_192, 0x2a);
const internalStandIn = '127.0.0.3';

function serveClip(path: string | undefined, response: ServerResponse): void {
  if (path === '/clip.mp4') {
    response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': clip.length });
    response.end(clip);
  } else {
    response.writeHead(404);
    response.end();
  }
}

describe.skipIf(!ytDlpAvailable)('yt-dlp through the egress proxy', () => {
  let media: Origin;
  let internal: Origin;
  let tlsMedia: HttpsServer | undefined;
  let tlsPort = 0;
  let workDir: string;
  const proxies: EgressProxy[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'egress-yt-dlp-'));
    internal = await startOrigin(internalStandIn);
    media = await startOrigin('127.0.0.1', {
      handler: (request, response) => {
        if (request.url === '/to-internal') {
          response.writeHead(302, {
            location: `http://${internalStandIn}:${internal.port}/clip.mp4`,
          });
          response.end();
        } else serveClip(request.url, response);
      },
    });
    if (opensslAvailable) {
      const { key, cert } = await selfSignedCertificate(workDir);
      tlsMedia = createHttpsServer({ key, cert }, (request, response) =>
        serveClip(request.url, response),
      );
      const server = tlsMedia;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      tlsPort = (server.address() as AddressInfo).port;
    }
  });

  afterAll(async () => {
    await Promise.all([media.close(), internal.close()]);
    if (tlsMedia !== undefined) {
      const server = tlsMedia;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await rm(workDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    expect(internal.connections(), 'the internal stand-in must never be reached').toBe(0);
  });

  async function proxyWith(allowList: string[]): Promise<EgressProxy> {
    const proxy = await startEgressProxy({
      host: '127.0.0.1',
      port: 0,
      allowList,
      allowedPorts: [media.port, internal.port, ...(tlsPort === 0 ? [] : [tlsPort])],
      connectTimeoutMs: 2_000,
    });
    proxies.push(proxy);
    return proxy;
  }

  it('downloads over http with the allow-list', async () => {
    const proxy = await proxyWith(['127.0.0.1/32']);
    const run = await ytDlp(proxy.url, `${media.url}/clip.mp4`, 'http-allowed');
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(join(workDir, 'http-allowed', 'clip.mp4'))).toEqual(clip);
  });

  it.skipIf(!opensslAvailable)('downloads over https (CONNECT) with the allow-list', async () => {
    const proxy = await proxyWith(['127.0.0.1/32']);
    const run = await ytDlp(proxy.url, `https://127.0.0.1:${tlsPort}/clip.mp4`, 'https-allowed', [
      '--no-check-certificate',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(join(workDir, 'https-allowed', 'clip.mp4'))).toEqual(clip);
  });

  it('is refused over http without the allow-list, and says why', async () => {
    const proxy = await proxyWith([]);
    const before = media.requests.length;
    const run = await ytDlp(proxy.url, `${media.url}/clip.mp4`, 'http-refused');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('HTTP Error 403: Egress Refused (blocked_address: loopback)');
    expect(media.requests.length).toBe(before);
    expect(await filesIn(join(workDir, 'http-refused'))).toEqual([]);
  });

  it('is refused over https (CONNECT) without the allow-list, and says why', async () => {
    const proxy = await proxyWith([]);
    const run = await ytDlp(
      proxy.url,
      `https://127.0.0.1:${tlsPort || media.port}/clip.mp4`,
      'https-refused',
      ['--no-check-certificate'],
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('403 Egress Refused (blocked_address: loopback)');
    expect(await filesIn(join(workDir, 'https-refused'))).toEqual([]);
  });

  it('is refused at the next hop when an allowed server redirects to a blocked address', async () => {
    const proxy = await proxyWith(['127.0.0.1/32']);
    const run = await ytDlp(proxy.url, `${media.url}/to-internal`, 'redirect-refused');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('HTTP Error 403: Egress Refused (blocked_address: loopback)');
    expect(media.requests.some((request) => request.path === '/to-internal')).toBe(true);
  });

  async function ytDlp(
    proxyUrl: string,
    url: string,
    outputDir: string,
    extra: string[] = [],
  ): Promise<{ code: number; stderr: string }> {
    const args = [
      '--ignore-config',
      '--no-cache-dir',
      '--no-progress',
      '--socket-timeout',
      '10',
      '--proxy',
      proxyUrl,
      '-o',
      join(workDir, outputDir, '%(id)s.%(ext)s'),
      ...extra,
      url,
    ];
    return new Promise((resolve) => {
      execFile('yt-dlp', args, { timeout: 60_000 }, (error, _stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stderr });
      });
    });
  }
});

async function filesIn(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

async function selfSignedCertificate(dir: string): Promise<{ key: Buffer; cert: Buffer }> {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
  return { key: await readFile(keyPath), cert: await readFile(certPath) };
}
