/**
 * A town hall installs Guichet without a developer. A server with no demo starts on an empty data
 * folder and prints a setup code; in the console the new manager creates the site and their
 * account, adds a service and an agent, pairs the hall's kiosk, gives it the receipt printer (a
 * protocol-level test printer on loopback) and prints a test page on it, imports a procedure
 * with a mistake, fixes it, previews and publishes it, and the kiosk shows it. Every console page
 * on the way passes axe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVirtualPrinter, type VirtualPrinter } from '../printers/virtual-printer';
import { expect, expectNoAxeViolations, openConsolePage, test } from './fixtures';

const port = Number(process.env.GUICHET_E2E_PORT ?? 3917) + 30;
const url = `http://127.0.0.1:${port}`;
const root = path.resolve(import.meta.dirname, '..');

const procedure = (pictogram: string) => `# La première démarche du site, écrite par sa responsable.
id: permis-de-construire
version: 1
service: urbanisme
pictogram: ${pictogram}
title: { fr: Déposer un permis de construire, en: Apply for a building permit, ar: طلب رخصة بناء }
summary: { fr: Ce qu'il faut pour déposer un permis., en: What you need to apply., ar: ما تحتاجه لتقديم الطلب. }
steps:
  - id: projet
    kind: question
    type: one_choice
    label: { fr: Quel est votre projet ?, en: What is your project?, ar: ما هو مشروعك؟ }
    choices:
      - { id: maison, label: { fr: Une maison, en: A house, ar: منزل } }
      - { id: extension, label: { fr: Un agrandissement, en: An extension, ar: توسعة } }
  - id: fin
    kind: review
    title: { fr: Vérifiez, en: Check, ar: راجع }
    nextSteps: { fr: Allez au guichet de l'urbanisme., en: Go to the planning desk., ar: توجّه إلى شباك التعمير. }
`;

test('from an empty database: setup code, manager, service, agent, kiosk, printer, procedure, and the kiosk shows it', async ({
  browser
}) => {
  test.setTimeout(180_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-e2e-new-site-'));
  const printer: VirtualPrinter = await startVirtualPrinter();
  let output = '';
  const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      GUICHET_PORT: String(port),
      GUICHET_DATA_DIR: dataDir,
      GUICHET_DEMO: '0',
      GUICHET_LOG_LEVEL: 'warn',
      // The hall's printer here is a listener on loopback, which the server refuses unless told otherwise.
      GUICHET_LOOPBACK_PRINTERS: '1'
    },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  try {
    const setupCode = /Setup code \(first manager account\): (\S+)/;
    await expect.poll(() => setupCode.exec(output)?.[1] ?? '', { timeout: 30_000 }).not.toBe('');
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();

    // 1. The site and its first manager, with the code the server printed.
    await page.goto(`${url}/gestion`);
    await page.getByLabel('Nom du site').fill('Mairie de Neuville');
    await page.getByLabel('Votre prénom').fill('Inès');
    await page.getByLabel('Votre identifiant').fill('ines');
    await page.getByLabel('Mot de passe', { exact: true }).fill('mot-de-passe-ines');
    await page.getByLabel('Confirmez le mot de passe').fill('mot-de-passe-ines');
    await page.getByLabel("Code d'installation").fill(setupCode.exec(output)![1]!);
    await page.getByRole('button', { name: 'Créer le site et mon compte' }).click();
    await expect(page.getByRole('banner')).toContainText('Mairie de Neuville');
    await expect(page.locator('header .badge')).toHaveAttribute('data-status', 'online');
    // No demo terminal, no demo printer: an empty hall.
    await expect(page.getByText('Aucun terminal appairé.')).toBeVisible();
    await expectNoAxeViolations(page);

    // 2. A service of its own: the planning desk, letter U.
    await openConsolePage(page, 'Services et guichets');
    const addService = page.getByTestId('service-add');
    await addService.getByLabel('Nom du service').fill('Urbanisme');
    await expect(addService.getByLabel('Code du service')).toHaveValue('urbanisme');
    await addService.getByLabel('Lettre').fill('U');
    await addService.getByRole('button', { name: 'Ajouter un service' }).click();
    await expect(page.locator('form[data-service="urbanisme"]')).toBeVisible();
    await expectNoAxeViolations(page);

    // 3. An agent.
    await openConsolePage(page, 'Comptes');
    await page.getByLabel('Rôle').selectOption({ label: 'Agent' });
    await page.getByLabel('Prénom').fill('Lucie');
    await page.getByLabel('Identifiant').fill('lucie');
    await page.getByLabel('Code PIN', { exact: true }).fill('2580');
    await page.getByRole('button', { name: 'Créer le compte' }).click();
    await expect(page.locator('tr[data-login="lucie"]')).toContainText('Lucie');
    await expectNoAxeViolations(page);

    // 4. The hall's kiosk shows a code; the manager pairs it.
    const kioskContext = await browser.newContext({ locale: 'fr-FR', hasTouch: true, viewport: { width: 1080, height: 1920 } });
    const kiosk = await kioskContext.newPage();
    await kiosk.goto(`${url}/borne`);
    await expect(kiosk.getByRole('heading', { name: "Cet appareil n'est pas encore appairé" })).toBeVisible();
    const pairingCode = await kiosk.locator('[data-code]').getAttribute('data-code');
    await openConsolePage(page, 'Bornes et imprimantes');
    await page.getByLabel("Code affiché sur l'appareil").fill(pairingCode!);
    await page.getByLabel('Nom', { exact: true }).fill('Borne du hall');
    await page.getByLabel('Emplacement').fill("Hall, près de l'entrée");
    await page.getByRole('button', { name: 'Appairer' }).click();
    await expect(kiosk.getByRole('heading', { name: 'Bonjour !' })).toBeVisible({ timeout: 10_000 });
    const row = page.getByTestId('terminal-list').getByRole('listitem').filter({ hasText: 'Borne du hall' });
    await expect(row).toContainText('En ligne');

    // 5. The receipt printer, given to that kiosk, then a test page on it.
    const form = page.getByTestId('printer-form');
    await form.getByLabel("Nom de l'imprimante").fill('Imprimante du hall');
    await form.getByLabel('Type').selectOption({ label: 'Tickets et reçus' });
    await form.getByLabel('Adresse').fill(`tcp://127.0.0.1:${printer.port}`);
    await form.getByLabel('Borne').selectOption({ label: 'Borne du hall' });
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await expect(form.getByRole('status')).toHaveText('Enregistré.');
    await expect(row.getByLabel('Imprimante à tickets')).toHaveValue(/.+/);
    await row.getByRole('button', { name: 'Imprimer une page de test sur Imprimante du hall' }).click();
    await expect(row.getByRole('status').filter({ hasText: 'Page de test' })).toHaveText(
      'Page de test imprimée sur Imprimante du hall.'
    );
    const printed = () =>
      printer.receipts().map((r) => ({ text: r.lines.map((l) => (l.kind === 'text' ? l.text : '')).join('\n'), cut: r.cut }));
    await expect.poll(() => printed().some((r) => r.text.includes('Page de test Guichet') && r.cut !== null)).toBe(true);
    expect(printed().find((r) => r.text.includes('Page de test Guichet'))!.text).toContain('Mairie de Neuville');
    await expectNoAxeViolations(page);

    // 6. A procedure: imported with a mistake (a pictogram the kiosk does not have), fixed, previewed, published.
    await openConsolePage(page, 'Démarches');
    await page.getByLabel('Importer un fichier').setInputFiles({
      name: 'permis-de-construire.yaml',
      mimeType: 'application/yaml',
      buffer: Buffer.from(procedure('maison'))
    });
    const problem = page.getByTestId('procedure-problems').getByRole('button');
    await expect(problem).toHaveText(/^Ligne 5 — pictogram : Valeur inconnue\. Valeurs possibles : id-card, passport, /);
    await problem.click();
    const editor = page.getByLabel('Contenu du fichier (YAML)');
    await expect(editor).toBeFocused();
    await editor.fill(procedure('home'));
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await expect(page.getByTestId('procedure-note')).toHaveText('Le fichier est correct : 2 étapes.');
    await page.getByRole('button', { name: 'Aperçu', exact: true }).click();
    const frame = page.frameLocator('[data-testid="procedure-preview-frame"]');
    await expect(frame.locator('[data-procedure="permis-de-construire"]')).toContainText('Déposer un permis de construire');
    await page.getByRole('button', { name: 'Écran suivant' }).click();
    await expect(frame.getByRole('heading', { name: 'Quel est votre projet ?' })).toBeVisible();
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: 'Publier' }).click();
    await expect(page.getByTestId('procedure-note')).toHaveText("Version 1 publiée : les bornes l'affichent.");

    // 7. The kiosk offers it, and a citizen can start it.
    await kiosk.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
    const tile = kiosk.locator('[data-procedure="permis-de-construire"]');
    await expect(tile).toContainText('Déposer un permis de construire');
    await tile.tap();
    await expect(kiosk.getByRole('heading', { name: 'Quel est votre projet ?' })).toBeVisible();
    await expect(kiosk.getByRole('button', { name: 'Parler à un agent' })).toBeVisible();
    await kioskContext.close();
    await context.close();
  } finally {
    await new Promise<void>((resolve) => {
      server.once('exit', () => resolve());
      server.kill('SIGTERM');
    });
    await printer.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
