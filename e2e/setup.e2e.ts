/**
 * First start of a real installation in a browser: a second server (its own port, an empty data
 * folder, no demo) prints a setup code; /gestion shows the setup form instead of the login, names
 * a wrong code at its field, and the right one opens the console as the new site's manager.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, expectNoAxeViolations, test } from './fixtures';

const port = Number(process.env.GUICHET_E2E_PORT ?? 3917) + 20;
const url = `http://127.0.0.1:${port}`;
const root = path.resolve(import.meta.dirname, '..');

test('the setup form creates the site and its first manager with the code the server printed', async ({ browser }) => {
  test.setTimeout(90_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-e2e-setup-'));
  let output = '';
  const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: root,
    env: { ...process.env, GUICHET_PORT: String(port), GUICHET_DATA_DIR: dataDir, GUICHET_DEMO: '0', GUICHET_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  try {
    await expect
      .poll(() => /Setup code \(first manager account\): (\S+)/.exec(output)?.[1] ?? '', { timeout: 30_000 })
      .not.toBe('');
    const code = /Setup code \(first manager account\): (\S+)/.exec(output)![1]!;
    // Its own context: the suite's origin check is about the main server.
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();

    await page.goto(`${url}/gestion`);
    await expect(page.getByRole('heading', { level: 1, name: 'Installer Guichet' })).toBeVisible();
    await expect(page.getByText('le code affiché par le serveur au démarrage')).toBeVisible();
    await expect(page).toHaveTitle('Installer Guichet');
    await expectNoAxeViolations(page);

    // Nothing filled in: every field says what it needs, and the first one takes the focus.
    await page.getByRole('button', { name: 'Créer le site et mon compte' }).click();
    await expect(page.getByRole('alert')).toHaveText('Le formulaire contient des erreurs : corrigez les champs indiqués.');
    await expect(page.getByLabel('Nom du site')).toBeFocused();
    await expect(page.getByLabel('Nom du site')).toHaveAttribute('aria-invalid', 'true');
    await expectNoAxeViolations(page);

    await page.getByLabel('Nom du site').fill('Mairie de Première-Ville');
    await page.getByLabel('Votre prénom').fill('Inès');
    await page.getByLabel('Votre identifiant').fill('ines');
    await page.getByLabel('Mot de passe', { exact: true }).fill('mot-de-passe-ines');
    await page.getByLabel('Confirmez le mot de passe').fill('mot-de-passe-ines');
    await page.getByLabel("Code d'installation").fill(code === 'AAAA-AAAA-AAAA' ? 'BBBB-BBBB-BBBB' : 'AAAA-AAAA-AAAA');
    await page.getByRole('button', { name: 'Créer le site et mon compte' }).click();
    await expect(page.getByLabel("Code d'installation")).toBeFocused();
    await expect(page.getByLabel("Code d'installation")).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText("Ce n'est pas le bon code d'installation.")).toBeVisible();

    // Typed by hand, in lower case.
    await page.getByLabel("Code d'installation").fill(code.toLowerCase());
    await page.getByRole('button', { name: 'Créer le site et mon compte' }).click();
    await expect(page.getByRole('navigation', { name: 'Pages de la gestion' })).toBeVisible();
    await expect(page.getByRole('banner')).toContainText('Mairie de Première-Ville');
    await expect(page.locator('header .badge')).toHaveAttribute('data-status', 'online');

    // Setup is over: a new visit gets the login form.
    await context.clearCookies();
    await page.goto(`${url}/gestion`);
    await expect(page.getByRole('button', { name: 'Se connecter' })).toBeVisible();
    await context.close();
  } finally {
    await new Promise<void>((resolve) => {
      server.once('exit', () => resolve());
      server.kill('SIGTERM');
    });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
