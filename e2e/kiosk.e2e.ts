/** The kiosk's help button and touch targets, on a portrait kiosk screen and a landscape one. */
import { expect, expectNoAxeViolations, expectNoHorizontalScroll, expectTouchTargets, test, openKiosk } from './fixtures';

for (const viewport of [
  { width: 1080, height: 1920 },
  { width: 1920, height: 1080 }
]) {
  test(`kiosk at ${viewport.width}×${viewport.height}: help within reach, large targets`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await openKiosk(page);
    const help = page.getByRole('button', { name: 'Parler à un agent' });
    await expect(help).toBeVisible();
    await expect(help).toBeEnabled();
    const box = (await help.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(72);
    expect(box.height).toBeGreaterThanOrEqual(72);
    await expectTouchTargets(page, 48);
    await expectNoHorizontalScroll(page);
    await expect(page.getByRole('status').filter({ hasText: 'Connecté' })).toBeVisible();

    // No agent's tablet is connected: the kiosk says so at once and gives the next human step.
    await help.tap();
    const panel = page.getByTestId('call-panel').filter({ hasText: "Aucun agent n'est disponible en ce moment" });
    await expect(panel).toBeVisible();
    await expect(panel).toContainText("Allez à l'accueil");
    await expect(panel).toContainText('à gauche de l’entrée');
    await expect(panel).toContainText('01 23 45 67 89');
    await expectNoAxeViolations(page);
    await panel.getByRole('button', { name: 'Fermer' }).tap();
    await expect(panel).toBeHidden();
    // Calling from the idle screen started a session: the citizen is on the catalog, help still at hand.
    await expect(page.getByTestId('help-button')).toHaveAccessibleName('Parler à un agent');
  });
}

test('the help button keeps its name in Arabic', async ({ page }) => {
  await openKiosk(page);
  await page.getByRole('button', { name: 'العربية' }).first().tap();
  await expect(page.getByRole('button', { name: 'التحدث إلى موظف' })).toBeVisible();
  await expectTouchTargets(page, 48);
});

test('without the server, the help button still gives the way to the desk and the phone', async ({ page, context }) => {
  await openKiosk(page);
  await context.setOffline(true);
  await expect(page.getByRole('status').filter({ hasText: 'Pas de connexion' })).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Parler à un agent' }).tap();
  const dialog = page.getByRole('dialog', { name: 'Un agent peut vous aider' });
  await expect(dialog).toContainText("Allez à l'accueil de la mairie");
  await expect(dialog).toContainText('01 23 45 67 89');
  await context.setOffline(false);
});
