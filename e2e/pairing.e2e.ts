/**
 * A kiosk is paired end to end: an unpaired kiosk shows a code, a manager enters it on /gestion,
 * the kiosk opens by itself; then the manager revokes it and it goes back to pairing.
 */
import { expect, expectNoAxeViolations, loginAs, test } from './fixtures';

test('pair a kiosk with its code, then revoke it', async ({ page, browser, requests }) => {
  // The kiosk: a separate browser, as a real device would be.
  const kioskContext = await browser.newContext({ hasTouch: true });
  kioskContext.on('request', (r) => requests.push(r.url()));
  const kiosk = await kioskContext.newPage();
  await kiosk.goto('/borne?appairage');
  await expect(kiosk.getByRole('heading', { name: "Cet appareil n'est pas encore appairé" })).toBeVisible();
  const code = await kiosk.locator('[data-code]').getAttribute('data-code');
  expect(code).toMatch(/^[A-Z0-9]{6}$/);
  // Even unpaired, a kiosk keeps a person within reach.
  await expect(kiosk.getByRole('button', { name: 'Parler à un agent' })).toBeVisible();
  await expectNoAxeViolations(kiosk);

  // The manager, on their own computer.
  await loginAs(page, 'manager');
  await expect(page.getByRole('heading', { name: 'Gestion du site' })).toBeVisible();
  await page.getByLabel("Code affiché sur l'appareil").fill(`${code!.slice(0, 3).toLowerCase()} ${code!.slice(3)}`);
  await page.getByLabel('Nom', { exact: true }).fill('Borne salle des mariages');
  await page.getByLabel('Emplacement').fill('Premier étage');
  await page.getByRole('button', { name: 'Appairer' }).click();
  await expect(page.getByRole('status').filter({ hasText: '« Borne salle des mariages » est appairé.' })).toBeVisible();

  // The kiosk notices within a poll, stores its token and opens.
  await expect(kiosk.getByRole('heading', { name: 'Bonjour !' })).toBeVisible({ timeout: 10_000 });
  await expect(kiosk.getByText('Mairie de Démoville').first()).toBeVisible();
  await expect(kiosk.getByRole('status').filter({ hasText: 'Connecté' })).toBeVisible();

  // The manager sees it online.
  const row = page.getByRole('listitem').filter({ hasText: 'Borne salle des mariages' });
  await expect(row).toContainText('En ligne');
  await expectNoAxeViolations(page);

  // Revoke: the kiosk falls back to the pairing screen.
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Retirer : Borne salle des mariages' }).click();
  await expect(row).toBeHidden();
  await expect(kiosk.getByRole('heading', { name: "Cet appareil n'est pas encore appairé" })).toBeVisible({ timeout: 10_000 });
  await kioskContext.close();
});

test('a wrong code is refused with a message that says what to do', async ({ page }) => {
  await loginAs(page, 'manager');
  await page.getByLabel("Code affiché sur l'appareil").fill('ACDEFG');
  await page.getByLabel('Nom', { exact: true }).fill('Borne fantôme');
  await page.getByRole('button', { name: 'Appairer' }).click();
  await expect(page.getByRole('alert')).toContainText("Aucun appareil n'attend avec ce code");
});
