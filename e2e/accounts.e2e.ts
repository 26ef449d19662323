/**
 * The accounts page of the manager console, in the browser: a manager creates an agent who can
 * then log in on a tablet, gives them a new PIN, deactivates them (the tablet's login no longer
 * opens), and every state of the page passes axe.
 */
import { expect, expectNoAxeViolations, loginAs, openConsolePage, test } from './fixtures';

test('a manager creates an agent, gives a new PIN, deactivates and reactivates the account', async ({ page, browser }) => {
  // Unique per run: the browser suite shares one server.
  const login = `nadia-${Date.now().toString(36)}`;
  await loginAs(page, 'manager');
  await openConsolePage(page, 'Comptes');
  const panel = page.getByTestId('accounts-panel');
  await expect(panel.getByRole('heading', { level: 2, name: 'Comptes des agents et des responsables' })).toBeVisible();
  await expect(panel.locator('tr[data-login="marie"]')).toContainText('Agent');
  await expect(panel.locator('tr[data-login="gestion"]')).toContainText('(vous)');
  await expectNoAxeViolations(page);

  // A PIN that breaks the rule is named at its field, and nothing is created.
  await page.getByLabel('Prénom', { exact: true }).fill('Nadia');
  await page.getByLabel('Identifiant', { exact: true }).fill(login);
  await page.getByLabel('Code PIN', { exact: true }).fill('12');
  await page.getByRole('button', { name: 'Créer le compte' }).click();
  await expect(page.getByLabel('Code PIN', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Le code PIN fait 4 à 8 chiffres.')).toBeVisible();
  await expect(page.getByLabel('Code PIN', { exact: true })).toBeFocused();
  await expectNoAxeViolations(page);

  await page.getByLabel('Code PIN', { exact: true }).fill('4826');
  await page.getByRole('button', { name: 'Créer le compte' }).click();
  await expect(panel.getByRole('status')).toHaveText('Compte de Nadia créé.');
  const row = panel.locator(`tr[data-login="${login}"]`);
  await expect(row).toContainText('Actif');

  // The new agent logs in on a tablet with their PIN.
  const tablet = await browser.newContext({ locale: 'fr-FR', hasTouch: true });
  const agentPage = await tablet.newPage();
  const agentLogin = async (pin: string) => {
    await agentPage.goto('/agent');
    await agentPage.getByLabel('Identifiant').fill(login);
    await agentPage.getByLabel('Code PIN').fill(pin);
    await agentPage.getByRole('button', { name: 'Se connecter' }).click();
  };
  await agentLogin('4826');
  await expect(agentPage.getByLabel('Identifiant')).toBeHidden();

  // A new PIN: the old one no longer opens.
  await row.getByRole('button', { name: `Nouveau code PIN : Nadia (${login})` }).click();
  await page.getByLabel('Nouveau code PIN pour Nadia').fill('9137');
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(panel.getByRole('status')).toContainText('Nouveau code de Nadia enregistré');
  // The tablet's login was closed: it goes back to its login form by itself.
  await expect(agentPage.getByLabel('Identifiant')).toBeVisible();
  await agentLogin('4826');
  await expect(agentPage.getByRole('alert')).toHaveText('Identifiant ou code incorrect.');

  // Deactivated: even the right PIN is refused, until the account is reactivated.
  await row.getByRole('button', { name: `Désactiver : Nadia (${login})` }).click();
  await expect(row).toContainText('Désactivé');
  await agentLogin('9137');
  await expect(agentPage.getByRole('alert')).toHaveText('Identifiant ou code incorrect.');
  await expectNoAxeViolations(page);

  await row.getByRole('button', { name: `Réactiver : Nadia (${login})` }).click();
  await expect(row).toContainText('Actif');
  await agentLogin('9137');
  await expect(agentPage.getByLabel('Identifiant')).toBeHidden();
  await tablet.close();
});

test('the last manager cannot deactivate their own account', async ({ page }) => {
  await loginAs(page, 'manager');
  await openConsolePage(page, 'Comptes');
  const panel = page.getByTestId('accounts-panel');
  page.once('dialog', (dialog) => void dialog.accept());
  await panel
    .locator('tr[data-login="gestion"]')
    .getByRole('button', { name: /^Désactiver/ })
    .click();
  await expect(panel.getByRole('status')).toContainText('dernier compte responsable actif');
  await expect(panel.locator('tr[data-login="gestion"]')).toContainText('Actif');
});
