/**
 * The hall's root certificate offered to the devices, against the real server: the PEM CA file
 * is served to anyone (a tablet fetches it before trusting anything), with its fingerprint; no
 * setting, no file or a file that is anything but one CA certificate answers 404, so a private key
 * pasted into the file by mistake is never sent.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

const fixture = path.resolve(import.meta.dirname, '../../../e2e/certificates/hall-root.crt');
const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function start(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer(env);
  servers.push(server);
  return server;
}

function tempFile(name: string, content: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-ca-')), name);
  fs.writeFileSync(file, content);
  return file;
}

describe('GET /api/hall-certificate', () => {
  it('serves the PEM root certificate to a device without any credential, with its SHA-256 fingerprint', async () => {
    const server = await start({ GUICHET_HALL_CA_FILE: fixture });
    const res = await fetch(`${server.url}/api/hall-certificate`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-x509-ca-cert');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="guichet-mairie.crt"');
    expect(await res.text()).toBe(fs.readFileSync(fixture, 'utf8'));

    const info = await fetch(`${server.url}/api/hall-certificate.json`);
    expect(info.status).toBe(200);
    const expected = new crypto.X509Certificate(fs.readFileSync(fixture)).fingerprint256;
    expect(await info.json()).toEqual({ fingerprint: expected, path: '/api/hall-certificate', fileName: 'guichet-mairie.crt' });
    expect(expected).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('answers 404 when no certificate is set, or the file is absent', async () => {
    const settings: Record<string, string>[] = [
      {},
      { GUICHET_HALL_CA_FILE: path.join(os.tmpdir(), 'guichet-no-such-dir', 'hall-root.crt') }
    ];
    for (const env of settings) {
      const server = await start(env);
      const res = await fetch(`${server.url}/api/hall-certificate`);
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe('not_found');
      expect((await fetch(`${server.url}/api/hall-certificate.json`)).status).toBe(404);
    }
  });

  it('never serves a file that is not exactly one CA certificate: a key, a key beside the certificate, a text', async () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const certificate = fs.readFileSync(fixture, 'utf8');
    for (const content of [keyPem, certificate + keyPem, keyPem + certificate, 'hello\n', '']) {
      const server = await start({ GUICHET_HALL_CA_FILE: tempFile('hall-root.crt', content) });
      const res = await fetch(`${server.url}/api/hall-certificate`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('PRIVATE KEY');
      // The server lives on.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    }
  });
});
