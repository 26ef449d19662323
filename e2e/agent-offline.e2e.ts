/**
 * The server goes down while an agent works in a joined session, scrolled down: the tablet says so
 * in the agent's own words (not the citizen's « Un agent peut vous aider… »), in a banner that stays
 * on screen, and what it promises holds: a change made meanwhile reaches the kiosk once the server
 * is back. Runs its own server (own port and data folder) so that it can be killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { answerIdCardUpToChecklist, expect, expectNoAxeViolations, openKiosk, test } from './fixtures';

const port = Number(process.env.GUICHET_E2E_PORT ?? 3917) + 20;
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
    if (server.exitCode !== null || server.signalCode !== null) return resolve();
    server.once('exit', () => resolve());
    server.kill('SIGKILL');
  });
}

const online = (page: Page) => expect(page.getByRole('status').filter({ hasText: 'Connecté' })).toBeVisible({ timeout: 20_000 });

test('server down during a joined session: the agent’s own words, always in view, and edits sent on return', async ({
  browser
}) => {
  test.setTimeout(120_000);
  let server = startServer(false);
  try {
    await healthy();
    const tabletContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true, locale: 'fr-FR' });
    const tablet = await tabletContext.newPage();
    await tablet.goto(`${url}/agent`);
    await tablet.getByLabel('Identifiant').fill('marie');
    await tablet.getByLabel('Code PIN').fill('1234');
    await tablet.getByRole('button', { name: 'Se connecter' }).click();
    await online(tablet);
    const banner = tablet.getByTestId('agent-offline');
    await expect(banner).toHaveAttribute('role', 'alert');
    await expect(banner).toBeEmpty();

    const kioskContext = await browser.newContext({ viewport: { width: 1080, height: 1920 }, hasTouch: true, locale: 'fr-FR' });
    const kiosk = await kioskContext.newPage();
    await openKiosk(kiosk, `${url}/borne`);
    await answerIdCardUpToChecklist(kiosk);
    await kiosk.getByRole('button', { name: 'Parler à un agent' }).tap();
    await tablet.locator('[data-call]').getByRole('button', { name: 'Accepter' }).tap();
    const joined = tablet.getByTestId('joined-session');
    await expect(joined).toBeVisible();

    // The agent works further down the session; the header and its badge are off screen.
    const lastDocument = joined.locator('li[data-document]').last();
    await lastDocument.scrollIntoViewIfNeeded();
    await expect(tablet.locator('header.staff')).not.toBeInViewport();

    await kill(server);
    await expect(banner).toContainText('Connexion au serveur perdue. Reconnexion en cours…');
    await expect(banner).toContainText(
      "Vos modifications restent sur cette tablette et seront envoyées au retour de la connexion. Si la coupure dure, l'appel repart vers l'équipe et ces modifications sont perdues."
    );
    await expect(banner).not.toContainText("Un agent peut vous aider à l'accueil");
    await expect(banner).toBeInViewport();
    await expect(tablet.locator('header.staff .badge')).toHaveText('Pas de connexion au serveur');
    await expectNoAxeViolations(tablet);

    // A change made while the server is down…
    const proof = joined.locator('li[data-document="justificatif-domicile"]').getByRole('radio').first();
    await proof.tap();
    await expect(proof).toHaveAttribute('aria-checked', 'true');
    await expect(banner).toBeInViewport();

    // …reaches the kiosk once it is back, and the banner goes.
    server = startServer(true);
    await healthy();
    await online(tablet);
    await expect(banner).toBeEmpty();
    await online(kiosk);
    await expect(kiosk.locator('li[data-document="justificatif-domicile"]').getByRole('radio').first()).toHaveAttribute(
      'aria-checked',
      'true',
      { timeout: 20_000 }
    );
    await kioskContext.close();
    await tabletContext.close();
  } finally {
    await kill(server);
  }
});
