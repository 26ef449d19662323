/** The kiosk's help button and touch targets, on a portrait kiosk screen and a landscape one. */
import { expect, expectNoAxeViolations, expectNoHorizontalScroll, expectTouchTargets, test } from './fixtures';

for (const viewport of [
  { width: 1080, height: 1920 },
  { width: 1920, height: 1080 }
]) {
  test(`kiosk at ${viewport.width}×${viewport.height}: help within reach, large targets`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto('/borne');
    const help = page.getByRole('button', { name: 'Parler à un agent' });
    await expect(help).toBeVisible();
    await expect(help).toBeEnabled();
    const box = (await help.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(72);
    expect(box.height).toBeGreaterThanOrEqual(72);
    await expectTouchTargets(page, 48);
    await expectNoHorizontalScroll(page);
    await expect(page.getByRole('status').filter({ hasText: 'Connecté' })).toBeVisible();

    // Until help calls exist, the button gives the next human step, honestly.
    await help.tap();
    const dialog = page.getByRole('dialog', { name: 'Un agent peut vous aider' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText("Allez à l'accueil de la mairie");
    await expect(dialog).toContainText('01 23 45 67 89');
    await expectNoAxeViolations(page);
    await dialog.getByRole('button', { name: 'Fermer' }).tap();
    await expect(dialog).toBeHidden();
  });
}

test('the help button keeps its name in Arabic', async ({ page }) => {
  await page.goto('/borne');
  await page.getByRole('button', { name: 'العربية' }).first().tap();
  await expect(page.getByRole('button', { name: 'التحدث إلى موظف' })).toBeVisible();
  await expectTouchTargets(page, 48);
});
