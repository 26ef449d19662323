/**
 * The site manager sets the site without a developer and the hall follows at once: a new name and
 * a closed day with the manager's own message reach the open kiosk without a reload; from the
 * terminals page a test page is printed on the demo kiosk's printer and its result shown. Both
 * console pages pass axe. Everything is put back as the other tests expect it.
 */
import { expect, expectNoAxeViolations, loginAs, openConsolePage, openKiosk, test } from './fixtures';

const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());

test('a new name and a closed day with its message reach the open kiosk at once', async ({ page, browser }) => {
  const kioskContext = await browser.newContext({ hasTouch: true, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const kiosk = await kioskContext.newPage();
  await openKiosk(kiosk);
  await expect(kiosk.getByTestId('closed-notice')).toHaveCount(0);

  await loginAs(page, 'manager');
  await openConsolePage(page, 'Réglages du site');
  const identity = page.getByTestId('site-settings');
  await identity.getByLabel('Nom du site').fill('Mairie de Testville');
  await identity.getByLabel('Message de la borne quand le site est fermé').fill('Fermé pour travaux, revenez demain.');
  await identity.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(identity.getByRole('status')).toHaveText('Enregistré.');
  // The kiosk and the console's own header follow without a reload.
  await expect(kiosk.locator('.kiosk > header')).toContainText('Mairie de Testville');
  await expect(kiosk.getByRole('heading', { name: 'Bonjour !' })).toBeVisible();
  await expect(page.locator('header.staff')).toContainText('Mairie de Testville');

  // Today closed: the kiosk says so, with the manager's words and when it opens again.
  const closedDays = page.getByTestId('closed-days');
  await closedDays.getByLabel('Date').fill(today);
  await closedDays.getByLabel('Motif (facultatif)').fill('Inventaire');
  await closedDays.getByRole('button', { name: 'Ajouter ce jour' }).click();
  await expect(closedDays.getByRole('status')).toHaveText('Enregistré.');
  await expect(closedDays.getByRole('listitem')).toContainText('Inventaire');
  const notice = kiosk.getByTestId('closed-notice');
  await expect(notice).toContainText('Fermé pour travaux, revenez demain.');
  await expect(notice).toContainText('Prochaine ouverture');
  await expect(kiosk.getByRole('heading', { name: 'Fermé en ce moment' })).toBeVisible();
  // A person is still within reach on the closed kiosk.
  await expect(kiosk.getByRole('button', { name: 'Parler à un agent' })).toBeVisible();
  await expectNoAxeViolations(kiosk);
  await expectNoAxeViolations(page);

  // Put back: no closed day, the demo's name, the default message.
  await closedDays.getByRole('button', { name: /^Retirer le jour de fermeture/ }).click();
  await expect(closedDays.getByText('Aucun jour de fermeture prévu.')).toBeVisible();
  await expect(notice).toHaveCount(0);
  await identity.getByLabel('Nom du site').fill('Mairie de Démoville');
  await identity.getByLabel('Message de la borne quand le site est fermé').fill('');
  await identity.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(identity.getByRole('status')).toHaveText('Enregistré.');
  await expect(kiosk.locator('.kiosk > header')).toContainText('Mairie de Démoville');
  await kioskContext.close();
});

test('a test page is printed on the demo kiosk’s printer from the terminals page', async ({ page }) => {
  await loginAs(page, 'manager');
  const row = page.getByTestId('terminal-list').getByRole('listitem').filter({ hasText: 'Borne de démonstration' });
  await expect(row).toContainText('Imprimante du hall (démo)');
  await row.getByRole('button', { name: 'Imprimer une page de test sur Imprimante du hall (démo)' }).click();
  await expect(row.getByRole('status')).toHaveText('Page de test imprimée sur Imprimante du hall (démo).');
  await expect(
    page.getByTestId('demo-receipts').locator('figure').filter({ hasText: 'Page de test Guichet' }).first()
  ).toContainText('€');
  await expect(page.getByTestId('print-jobs')).toContainText('Page de test');
  await expectNoAxeViolations(page);
});
