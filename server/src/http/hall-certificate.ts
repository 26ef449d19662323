/**
 * The hall's root certificate (GUICHET_HALL_CA_FILE), for the hall's devices to trust its HTTPS.
 * Public on purpose: a tablet fetches it before it trusts anything, and a root certificate is no
 * secret. Only a PEM CA certificate is served, re-encoded from its parsed form, so a file that
 * holds anything else (a private key pasted by mistake, a leaf certificate) is never sent.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AppError } from '../../../shared/errors';
import type { Config } from '../config';
import { sendJson } from './json';

export const hallCertificatePath = '/api/hall-certificate';
/** The name the devices save it under (.crt: what Android and iOS open as a certificate). */
const hallCertificateFileName = 'guichet-mairie.crt';

interface HallCertificate {
  pem: string;
  /** SHA-256 of the DER, as `AB:CD:…`: what the tablet shows, to compare before trusting it. */
  fingerprint: string;
}

const pemBlock = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*$/;

/** The certificate the file holds, or null (unset, absent, or not exactly one PEM CA certificate). */
function readHallCertificate(config: Pick<Config, 'hallCaFile'>, logger?: Logger): HallCertificate | null {
  if (!config.hallCaFile) return null;
  let text: string;
  try {
    text = fs.readFileSync(config.hallCaFile, 'utf8');
  } catch {
    return null;
  }
  try {
    if (!pemBlock.test(text.trim() + '\n'))
      throw new Error('not one PEM certificate (BEGIN CERTIFICATE … END CERTIFICATE) and nothing else');
    const certificate = new crypto.X509Certificate(text);
    if (!certificate.ca) throw new Error('not a certificate authority (the root Caddy generated is one)');
    return { pem: certificate.toString(), fingerprint: certificate.fingerprint256 };
  } catch (error) {
    logger?.warn(
      { file: config.hallCaFile, reason: (error as Error).message },
      'GUICHET_HALL_CA_FILE is not the hall’s root certificate: it is not offered'
    );
    return null;
  }
}

/** GET /api/hall-certificate (the file) and GET /api/hall-certificate.json (its fingerprint). */
export function serveHallCertificate(
  res: ServerResponse,
  config: Pick<Config, 'hallCaFile'>,
  logger: Logger,
  as: 'file' | 'json'
): void {
  const certificate = readHallCertificate(config, logger);
  if (!certificate)
    throw new AppError('not_found', 'This server offers no certificate: HTTPS is not set up with GUICHET_HALL_CA_FILE');
  if (as === 'json') {
    sendJson(res, 200, { fingerprint: certificate.fingerprint, path: hallCertificatePath, fileName: hallCertificateFileName });
    return;
  }
  const body = Buffer.from(certificate.pem, 'utf8');
  res.writeHead(200, {
    'content-type': 'application/x-x509-ca-cert',
    'content-disposition': `attachment; filename="${hallCertificateFileName}"`,
    'content-length': body.length,
    'cache-control': 'no-cache'
  });
  res.end(body);
}
