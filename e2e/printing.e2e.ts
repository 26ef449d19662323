/**
 * Paper in the browser: at the end of a procedure the kiosk prints the summary and gives a queue
 * ticket, its number large on screen; the manager console shows what the demo receipt printer
 * printed (decoded from its ESC/POS bytes) and reprints a ticket marked « DUPLICATA ».
 */
import {
  answerIdCardUpToChecklist,
  expect,
  expectNoAxeViolations,
  expectTouchTargets,
  loginAs,
  openKiosk,
  test
} from './fixtures';

test('end of a procedure: summary printed, ticket taken and shown large, both seen in the manager console', async ({
  page,
  browser
}) => {
  await page.setViewportSize({ width: 1080, height: 1920 });
  await openKiosk(page);
  await answerIdCardUpToChecklist(page);
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.getByRole('button', { name: 'Imprimer et aller au guichet' }).tap();

  // The summary prints on arrival; the screen says when it is out.
  await expect(page.getByRole('heading', { name: 'Allez au guichet' })).toBeVisible();
  await expect(page.getByTestId('summary-paper')).toHaveAttribute('data-paper', 'printed');
  await expect(page.getByTestId('summary-paper')).toContainText("C'est imprimé. Prenez votre papier.");

  await page.getByRole('button', { name: 'Prendre un ticket' }).tap();
  const ticket = page.getByTestId('ticket-panel');
  await expect(ticket).toBeVisible();
  const label = (await page.getByTestId('ticket-number').textContent())!.trim();
  expect(label).toMatch(/^T-\d{3}$/);
  await expect(ticket).toHaveAttribute('data-paper', 'printed');
  await expect(ticket).toContainText("Prenez votre ticket sous l'écran.");
  await expectNoAxeViolations(page);
  await expectTouchTargets(page, 48);
  const close = await ticket.getByRole('button', { name: 'Fermer' }).boundingBox();
  expect(close!.height).toBeGreaterThanOrEqual(72);

  await page.getByRole('button', { name: 'Récapitulatif sur une feuille A4' }).tap();
  await expect(page.getByTestId('summary-paper')).toHaveAttribute('data-paper', 'printed');

  // The manager sees the demo printer's output, rendered, and reprints the ticket as a duplicate.
  const context = await browser.newContext({ locale: 'fr-FR' });
  const manager = await context.newPage();
  await loginAs(manager, 'manager');
  const receipts = manager.getByTestId('demo-receipts');
  await expect(receipts.locator('figure').filter({ hasText: label })).toHaveCount(1);
  await expect(receipts).toContainText('Récapitulatif');
  await expect(receipts).toContainText('Mairie de Démoville');
  // The A4 summary the kiosk asked for is there as a PDF file.
  const a4 = manager.getByTestId('demo-a4').getByRole('link').first();
  await expect(a4).toContainText('Récapitulatif A4');
  const pdf = await manager.request.get((await a4.getAttribute('href'))!);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  const jobs = manager.getByTestId('print-jobs');
  await jobs
    .locator('li')
    .filter({ hasText: `Ticket ${label}` })
    .first()
    .getByRole('button', { name: 'Réimprimer (DUPLICATA)' })
    .click();
  await expect(receipts.locator('figure').filter({ hasText: label }).filter({ hasText: 'DUPLICATA' })).toHaveCount(1);
  await expect(jobs).toContainText(`Ticket ${label} (DUPLICATA 1)`);
  await expectNoAxeViolations(manager);
  await context.close();

  await page.getByRole('button', { name: 'Fermer' }).tap();
  await expect(ticket).toHaveCount(0);
  await page.getByRole('button', { name: 'Terminer' }).first().tap();
});
