/**
 * The queue from end to end: a citizen takes a ticket at the kiosk through « Prendre un ticket »
 * and a service; the demo's test printer receives that number; the agent at the counter calls the
 * next ticket and sees the same number very large; the hall display shows it and asks for it to be
 * said aloud; the agent finishes it. The counter chosen stays on the device after a reload.
 */
import type { Browser, Page } from '@playwright/test';
import {
  demo,
  eraseAll,
  expect,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  expectTouchTargets,
  loginAs,
  openKiosk,
  test
} from './fixtures';
import { command, isSpeech, openBoard, staffSocket } from './staff-socket';

const service = { id: 'accueil', name: 'Accueil' };

async function counterTablet(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 1366 }, hasTouch: true, locale: 'fr-FR' });
  const tablet = await context.newPage();
  await loginAs(tablet, 'agent');
  await expect(tablet.getByRole('heading', { name: `Bonjour ${demo.agent.firstName}` })).toBeVisible();
  await expect(tablet.getByTestId('counter-panel')).toBeVisible();
  return tablet;
}

/** This counter calls from the one service of the test only, and nobody is left waiting there. */
async function counterForService(tablet: Page): Promise<void> {
  const panel = tablet.getByTestId('counter-panel');
  await panel.getByLabel('Cet appareil est au guichet').selectOption({ label: 'Guichet 3' });
  const services = panel.getByRole('group', { name: 'Services appelés à ce guichet' });
  const boxes = services.getByRole('checkbox');
  await expect(boxes.first()).toBeVisible();
  for (let i = 0; i < (await boxes.count()); i++) {
    const box = boxes.nth(i);
    const name = (await box.evaluate((el) => el.closest('label')?.textContent ?? '')).trim();
    if (name.endsWith(service.name)) await box.check();
    else await box.uncheck();
  }
  // Tickets left by earlier tests are called and closed until nobody waits.
  const next = panel.getByRole('button', { name: 'Appeler le suivant' });
  for (let i = 0; i < 50; i++) {
    await next.tap();
    const nobody = panel.getByRole('status').filter({ hasText: "Personne n'attend." });
    const current = panel.getByTestId('counter-current-label');
    await expect(nobody.or(current)).toBeVisible();
    if (await nobody.isVisible()) return;
  }
  throw new Error('the queue did not empty');
}

test('a ticket taken at the kiosk is called at the counter with the same number, then finished', async ({ page, browser }) => {
  const tablet = await counterTablet(browser);
  await counterForService(tablet);
  await expectNoAxeViolations(tablet);
  await expectTouchTargets(tablet, 48);

  // The kiosk: « Prendre un ticket » on the catalog, then the service.
  await page.setViewportSize({ width: 1080, height: 1920 });
  await openKiosk(page);
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  // The idle screen has its own « Prendre un ticket »: look in the catalog only, or the
  // button found may be the idle screen's, gone by the time it is measured.
  const take = page.getByRole('region', { name: 'Que voulez-vous faire ?' }).getByTestId('take-ticket');
  await expect(take).toBeVisible();
  expect((await take.boundingBox())!.height).toBeGreaterThanOrEqual(72);
  await take.tap();
  const picker = page.getByTestId('service-picker');
  await expect(picker.getByRole('heading', { name: 'Pour quel service ?' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Parler à un agent', exact: true })).toBeVisible();
  const choice = picker.locator(`[data-service="${service.id}"]`);
  await expect(choice).toContainText("Personne n'attend.");
  await expect(choice).toBeVisible();
  expect((await choice.boundingBox())!.height).toBeGreaterThanOrEqual(72);
  await expectNoAxeViolations(page);
  await expectTouchTargets(page, 48);
  await choice.tap();
  await expect(page.getByTestId('ticket-panel')).toBeVisible();
  const label = (await page.getByTestId('ticket-number').textContent())!.trim();
  expect(label).toMatch(/^A-\d{3}$/);
  await expect(picker).toHaveCount(0);

  // The test printer (the demo's ESC/POS printer) received that number.
  const manager = await staffSocket(page, 'manager');
  try {
    await expect
      .poll(async () =>
        (await command(manager, 'printer:demo-output', {})).receipts.some((r) => r.lines.some((l) => l.text === label))
      )
      .toBe(true);
  } finally {
    manager.disconnect();
  }

  // The hall display is on; the counter calls the next ticket: that number, shown and said.
  const displayContext = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'fr-FR' });
  const board = await displayContext.newPage();
  await openBoard(board);
  const [, letter, digits] = /^([A-Z])-(\d+)$/.exec(label)!;
  const spoken = board.waitForRequest(
    (r) => isSpeech(r) && r.postDataJSON()?.text === `Ticket ${letter} ${Number(digits)}, Guichet 3`
  );
  const panel = tablet.getByTestId('counter-panel');
  await expect(panel.locator(`li[data-service="${service.id}"]`)).toContainText('En attente : 1');
  await panel.getByRole('button', { name: 'Appeler le suivant' }).tap();
  await expect(panel.getByTestId('counter-current-label')).toHaveText(label);
  await expect(board.getByTestId('current-call')).toContainText(label);
  await expect(board.getByTestId('current-call')).toContainText('Guichet 3');
  await spoken;
  await expectNoAxeViolations(board);
  await displayContext.close();
  await expect(panel.getByTestId('counter-current')).toContainText(service.name);
  await expectNoAxeViolations(tablet);

  // The choice of counter is the device's: a reload keeps it, and the current ticket with it.
  await tablet.reload();
  await expect(tablet.getByTestId('counter-current-label')).toHaveText(label);

  await tablet.getByRole('button', { name: 'Terminé' }).tap();
  await expect(tablet.getByRole('status').filter({ hasText: `${label} est terminé.` })).toBeVisible();
  await expect(tablet.getByTestId('counter-current')).toContainText('Aucun ticket en cours.');
  await tablet.context().close();

  await page.getByRole('button', { name: 'Fermer' }).tap();
  await eraseAll(page);
});

test('the list of services reads right to left in Arabic, with the help button', async ({ page }) => {
  await page.setViewportSize({ width: 1080, height: 1920 });
  await openKiosk(page);
  await page.getByRole('button', { name: 'العربية' }).first().tap();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await page.getByTestId('take-ticket').tap();
  await expect(page.getByTestId('service-picker').getByRole('heading', { name: 'لأي خدمة؟' })).toBeVisible();
  await expect(page.getByTestId('help-button')).toBeVisible();
  await expectNoAxeViolations(page);
  await expectTouchTargets(page, 48);
  await expectNoHorizontalScroll(page);
  await page.getByRole('button', { name: 'رجوع' }).tap();
  await eraseAll(page);
});

test('the kiosk’s list of services follows the waiting counts while it is shown', async ({ page }) => {
  await page.setViewportSize({ width: 1080, height: 1920 });
  await openKiosk(page);
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.getByTestId('take-ticket').tap();
  const picker = page.getByTestId('service-picker');
  await expect(picker.getByRole('heading', { name: 'Pour quel service ?' })).toBeVisible();

  const agent = await staffSocket(page, 'agent');
  try {
    const queue = await command(agent, 'queue:state', {});
    // A service no other browser test takes tickets for: its count is this test's alone.
    const other = queue.services.find((s) => s.id !== 'accueil' && s.id !== 'titres' && s.open)!;
    const choice = picker.locator(`[data-service="${other.id}"]`);
    const counter = queue.counters[0]!;
    const people = (n: number) => (n === 0 ? "Personne n'attend." : n === 1 ? '1 personne attend.' : `${n} personnes attendent.`);
    await expect(choice).toContainText(people(other.waiting));

    // Two tickets given at the desk at once: the kiosk's count follows, without a reload.
    const tickets = await Promise.all(
      [0, 1].map((i) => command(agent, 'ticket:issue', { requestId: `picker-${Date.now()}-${i}`, service: other.id }))
    );
    await expect(choice).toContainText(people(other.waiting + 2));

    for (const ticket of tickets) await command(agent, 'counter:call', { counterId: counter.id, label: ticket.label });
    await command(agent, 'counter:finish', { counterId: counter.id });
    await expect(choice).toContainText(people(other.waiting));
  } finally {
    agent.disconnect();
  }
  await page.getByRole('button', { name: 'Retour' }).tap();
  await eraseAll(page);
});
