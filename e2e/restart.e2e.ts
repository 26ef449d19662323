/**
 * The restart path in real browsers: a second Guichet server (its own port and data folder) is
 * killed with SIGKILL while a call rings, then again while an agent is joined. Each time the kiosk
 * and the tablet reconnect by themselves and find the same call, the same session, the same answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, openKiosk, test } from './fixtures';

const port = Number(process.env.GUICHET_E2E_PORT ?? 3917) + 10;
const url = `http://127.0.0.1:${port}`;
const root = path.resolve(import.meta.dirname, '..');

function startServer(keepData: boolean): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'scripts/e2e-server.ts'], {
    cwd: root,
    env: { ...process.env, GUICHET_PORT: String(port), GUICHET_LOG_LEVEL: 'warn', GUICHET_E2E_KEEP_DATA: keepData ? '1' : '0' },
    stdio: 'ignore'
  });
}

async function healthy(): Promise<void> {
  await expect
    .poll(async () => (await fetch(`${url}/healthz`).catch(() => null))?.status ?? 0, { timeout: 30_000, intervals: [200] })
    .toBe(200);
}

function kill(server: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGKILL');
  });
}

const online = (page: Page) => expect(page.getByRole('status').filter({ hasText: 'Connecté' })).toBeVisible({ timeout: 20_000 });

test('SIGKILL during a ringing call and during a joined session: both sides come back as they were', async ({ browser }) => {
  test.setTimeout(120_000);
  let server = startServer(false);
  try {
    await healthy();
    const kioskContext = await browser.newContext({ viewport: { width: 1080, height: 1920 }, hasTouch: true, locale: 'fr-FR' });
    const kiosk = await kioskContext.newPage();
    const tabletContext = await browser.newContext({ viewport: { width: 1024, height: 1366 }, hasTouch: true, locale: 'fr-FR' });
    const tablet = await tabletContext.newPage();
    await tablet.goto(`${url}/agent`);
    await tablet.getByLabel('Identifiant').fill('marie');
    await tablet.getByLabel('Code PIN').fill('1234');
    await tablet.getByRole('button', { name: 'Se connecter' }).click();
    await online(tablet);

    await openKiosk(kiosk, `${url}/borne`);
    await kiosk.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
    await kiosk.locator('[data-procedure="essai-saisies"]').tap();
    await kiosk.getByRole('button', { name: 'Parler à un agent' }).tap();
    await expect(kiosk.getByTestId('call-panel')).toContainText('Un agent a été prévenu');
    await expect(tablet.locator('[data-call]')).toHaveCount(1);

    // 1. Killed while the call rings.
    await kill(server);
    await expect(kiosk.getByRole('status').filter({ hasText: 'Pas de connexion' })).toBeVisible();
    server = startServer(true);
    await healthy();
    await online(kiosk);
    await online(tablet);
    await expect(kiosk.getByTestId('call-panel')).toContainText('Un agent a été prévenu');
    await expect(kiosk.locator('section[data-step]')).toHaveAttribute('data-step', 'nom');
    const card = tablet.locator('[data-call]');
    await expect(card).toContainText('Essai des saisies');
    await card.getByRole('button', { name: 'Accepter' }).tap();
    await expect(kiosk.getByTestId('sharing-banner')).toContainText('Marie arrive');

    // 2. Killed while the agent is joined, with an answer typed.
    const kioskKeys = kiosk.getByRole('group', { name: 'Clavier' });
    await kioskKeys.getByRole('button', { name: 'Majuscule' }).tap();
    await kioskKeys.getByRole('button', { name: 'A', exact: true }).tap();
    await kioskKeys.getByRole('button', { name: 'b', exact: true }).tap();
    const joined = tablet.getByTestId('joined-session');
    await expect(joined.getByLabel('Votre nom de famille')).toHaveValue('Ab');
    await kill(server);
    server = startServer(true);
    await healthy();
    await online(kiosk);
    await online(tablet);
    await expect(kiosk.getByLabel('Votre nom de famille')).toHaveValue('Ab');
    await expect(kiosk.getByTestId('sharing-banner')).toContainText('Marie arrive', { timeout: 20_000 });
    await expect(joined.getByLabel('Votre nom de famille')).toHaveValue('Ab');
    // Still one session, edited from both sides.
    await joined.getByRole('group', { name: 'Clavier' }).getByRole('button', { name: 'c', exact: true }).tap();
    await expect(kiosk.getByLabel('Votre nom de famille')).toHaveValue('Abc');
    await kioskContext.close();
    await tabletContext.close();
  } finally {
    await kill(server);
  }
});
