/**
 * The hall's root certificate in the manager's console: the section on « Bornes et imprimantes »
 * shows the fingerprint of the file the server really serves, a download link that gives that
 * file, a QR code whose text alternative is the download address, and the install steps; axe-clean.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, expectNoAxeViolations, loginAs, test } from './fixtures';

const certificateFile = path.resolve(import.meta.dirname, 'certificates/hall-root.crt');

test('the console offers the hall’s root certificate with its fingerprint, a QR code and the install steps', async ({ page }) => {
  await loginAs(page, 'manager');
  const section = page.getByRole('region', { name: 'Certificat HTTPS de la mairie' });
  await expect(section).toBeVisible();

  const fingerprint = new crypto.X509Certificate(fs.readFileSync(certificateFile)).fingerprint256;
  await expect(section.getByTestId('certificate-fingerprint')).toHaveText(fingerprint);

  const downloadUrl = new URL('/api/hall-certificate', page.url()).href;
  await expect(section.getByRole('img', { name: `Code QR de l'adresse de téléchargement : ${downloadUrl}` })).toBeVisible();
  await expect(section.getByText(downloadUrl, { exact: true })).toBeVisible();
  await expect(section.getByText(/Réglages › Général › Informations › Réglages des certificats/)).toBeVisible();
  await expect(section.getByText(/^Android :/)).toBeVisible();
  // The warning a tablet shows before it trusts the hall is announced, with what to do about it.
  await expect(section.getByText(/continuez pour ce téléchargement seulement, puis comparez l'empreinte/)).toBeVisible();

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    section.getByRole('link', { name: 'Télécharger le certificat (guichet-mairie.crt)' }).click()
  ]);
  expect(download.suggestedFilename()).toBe('guichet-mairie.crt');
  expect(fs.readFileSync(await download.path(), 'utf8')).toBe(fs.readFileSync(certificateFile, 'utf8'));

  await expectNoAxeViolations(page);
});
