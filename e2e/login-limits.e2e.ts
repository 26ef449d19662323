/**
 * Blocked accounts and the site's PIN length in the manager console, in the browser: the manager
 * requires 6-digit PINs (a 4-digit one is refused at its field, older ones are pointed out), an
 * agent blocked by wrong PINs shows « Bloqué », and « Débloquer » lets them log in again. Every
 * state of the pages passes axe.
 */
import { expect, expectNoAxeViolations, loginAs, openConsolePage, test } from './fixtures';

test('a manager requires 6-digit PINs, sees a blocked agent and unlocks them', async ({ page, browser }) => {
  // Unique per run: the browser suite shares one server.
  const login = `ines-${Date.now().toString(36)}`;
  await loginAs(page, 'manager');

  await openConsolePage(page, 'Réglages du site');
  const pinForm = page.locator('section', { has: page.getByRole('heading', { name: 'Codes PIN des agents' }) });
  await pinForm.getByLabel('PIN à 6 chiffres').check();
  await pinForm.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(pinForm.getByRole('status')).toHaveText('Enregistré : les nouveaux codes PIN auront 6 chiffres au moins.');
  await expectNoAxeViolations(page);

  try {
    await openConsolePage(page, 'Comptes');
    const panel = page.getByTestId('accounts-panel');
    // Marie's PIN has 4 digits: it still works, and the page asks for a new one.
    await expect(panel.locator('tr[data-login="marie"]')).toContainText('Code PIN trop court');

    await page.getByLabel('Prénom', { exact: true }).fill('Inès');
    await page.getByLabel('Identifiant', { exact: true }).fill(login);
    await expect(page.getByText('6 à 8 chiffres (règle du site).')).toBeVisible();
    await page.getByLabel('Code PIN', { exact: true }).fill('4826');
    await page.getByRole('button', { name: 'Créer le compte' }).click();
    await expect(page.getByLabel('Code PIN', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText('Ce site demande un code PIN de 6 à 8 chiffres.')).toBeVisible();
    await expectNoAxeViolations(page);
    await page.getByLabel('Code PIN', { exact: true }).fill('482615');
    await page.getByRole('button', { name: 'Créer le compte' }).click();
    await expect(panel.getByRole('status')).toHaveText('Compte de Inès créé.');
    const row = panel.locator(`tr[data-login="${login}"]`);
    await expect(row).not.toContainText('Code PIN trop court');

    // Six wrong PINs from a tablet: the account is blocked, even with the right PIN.
    const tablet = await browser.newContext({ locale: 'fr-FR', hasTouch: true });
    const agentPage = await tablet.newPage();
    const agentLogin = async (pin: string) => {
      await agentPage.goto('/agent');
      await agentPage.getByLabel('Identifiant').fill(login);
      await agentPage.getByLabel('Code PIN').fill(pin);
      await agentPage.getByRole('button', { name: 'Se connecter' }).click();
    };
    for (let i = 0; i < 5; i++) {
      await agentLogin(`00000${i}`);
      await expect(agentPage.getByRole('alert')).toHaveText('Identifiant ou code incorrect.');
    }
    await agentLogin('482615');
    await expect(agentPage.getByRole('alert')).toContainText("Trop d'essais. Réessayez dans");
    await expect(agentPage.getByRole('alert')).toContainText('demandez au responsable de site de débloquer le compte');

    await page.reload();
    await expect(row).toContainText('Bloqué');
    await expectNoAxeViolations(page);
    const unlock = row.getByRole('button', { name: `Débloquer : Inès (${login})` });
    const box = await unlock.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(48);
    await unlock.click();
    await expect(panel.getByRole('status')).toHaveText('Compte de Inès débloqué : la connexion est de nouveau possible.');
    await expect(row).not.toContainText('Bloqué');
    await expect(unlock).toBeHidden();

    await agentLogin('482615');
    await expect(agentPage.getByLabel('Identifiant')).toBeHidden();
    await tablet.close();
  } finally {
    // The browser suite shares one server: the other tests give 4-digit PINs.
    await openConsolePage(page, 'Réglages du site');
    await pinForm.getByLabel('PIN à 6 chiffres').uncheck();
    await pinForm.getByRole('button', { name: 'Enregistrer' }).click();
    await expect(pinForm.getByRole('status')).toHaveText('Enregistré : les codes PIN ont 4 chiffres au moins.');
  }
});
