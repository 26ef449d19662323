/**
 * The team's statistics and the citizen's requests, in the manager console: the day's figures with
 * the load chart and the same figures in a table, the CSV download; a session found by the
 * reference on the citizen's paper, exported, then erased, with both written to the audit log and
 * its CSV. axe runs on both pages.
 */
import { randomUUID } from 'node:crypto';
import { expect, expectNoAxeViolations, loginAs, openConsolePage, openKiosk, test } from './fixtures';
import { agentSocket, command } from './staff-socket';

test('statistics: the day’s figures, the load by hour as a chart and a table, the CSV', async ({ page }) => {
  const agent = await agentSocket(page);
  try {
    await command(agent, 'ticket:issue', { requestId: randomUUID(), service: 'titres' });
  } finally {
    agent.disconnect();
  }
  await loginAs(page, 'manager');
  await openConsolePage(page, 'Statistiques');
  await expect(page.getByRole('heading', { level: 2, name: "Statistiques de l'équipe" })).toBeVisible();
  await expect(page.getByText("Aucun chiffre n'existe par agent.", { exact: false })).toBeVisible();
  await expect(page.getByTestId('stats-totals')).toContainText('Tickets émis');
  const chart = page.getByRole('img', { name: /Charge par heure/ });
  await expect(chart).toBeVisible();
  await expect(page.getByRole('table', { name: 'Chiffres de la charge par heure' })).toBeVisible();
  await expect(page.getByTestId('stats-by-service')).toContainText("Carte d'identité ou passeport");
  await expectNoAxeViolations(page);

  const href = await page.getByRole('link', { name: 'Télécharger (CSV)' }).getAttribute('href');
  expect(href).toMatch(/^\/api\/stats\.csv\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
  const csv = await page.request.get(href!);
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
  expect(await csv.text()).toContain('date;heure;service;nom_service;appels_aide');
});

test('a citizen’s request: the session found by its reference, exported, erased, and logged', async ({ page, browser }) => {
  // A citizen at the kiosk calls; Marie accepts, helps, and ends the session: its contents stay for now.
  const agent = await agentSocket(page);
  let reference: string;
  try {
    await command(agent, 'agent:presence', { status: 'available' });
    await openKiosk(page);
    await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
    await page.getByRole('button', { name: 'Parler à un agent', exact: true }).tap();
    await expect(page.getByTestId('call-panel')).toContainText('Un agent a été prévenu');
    let callId = '';
    await expect
      .poll(async () => {
        callId = (await command(agent, 'agent:state', {})).ringing[0]?.callId ?? '';
        return callId;
      })
      .not.toBe('');
    const joined = await command(agent, 'call:accept', { callId });
    reference = joined.session.reference;
    await command(agent, 'session:end', { sessionId: joined.session.id, reason: 'agent' });
  } finally {
    agent.disconnect();
  }

  const context = await browser.newContext({ locale: 'fr-FR' });
  const manager = await context.newPage();
  await loginAs(manager, 'manager');
  await openConsolePage(manager, 'Données et journal');
  const panel = manager.getByRole('region', { name: "Demande d'un usager" });
  await panel.getByLabel('Référence de la session').fill(reference.replace(' ', '').toLowerCase());
  await panel.getByRole('button', { name: 'Rechercher' }).click();
  await expect(panel.getByTestId('privacy-status')).toContainText(`Session ${reference} : commencée le`);
  await expectNoAxeViolations(manager);

  const exportHref = await panel.getByRole('link', { name: 'Exporter (JSON)' }).getAttribute('href');
  const exported = await manager.request.get(exportHref!);
  expect(exported.status()).toBe(200);
  expect(await exported.json()).toMatchObject({ format: 'guichet-session/1', session: { reference, status: 'ended' } });

  manager.once('dialog', (dialog) => void dialog.accept());
  await panel.getByRole('button', { name: 'Effacer cette session' }).click();
  await expect(panel.getByTestId('privacy-status')).toContainText(`Session ${reference} effacée.`);
  const log = manager.getByTestId('audit-log');
  await expect(log.getByRole('row').filter({ hasText: reference }).filter({ hasText: 'a effacé la session' })).toHaveCount(1);
  await expect(log.getByRole('row').filter({ hasText: reference }).filter({ hasText: 'a exporté la session' })).toHaveCount(1);

  // Asked again: it is gone, and the manager is told so.
  await panel.getByLabel('Référence de la session').fill(reference);
  await panel.getByRole('button', { name: 'Rechercher' }).click();
  await expect(panel.getByTestId('privacy-status')).toContainText('Aucune session avec cette référence sur ce site.');

  const auditCsv = await manager.request.get('/api/audit.csv');
  expect(auditCsv.status()).toBe(200);
  expect(await auditCsv.text()).toContain(`;erase;;${reference}`);
  await expectNoAxeViolations(manager);
  await context.close();
});
