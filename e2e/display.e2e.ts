/**
 * The hall display: readable in portrait and landscape, in French and Arabic, with a way to allow
 * sound. Then, with an agent calling a ticket through the real socket, the board shows the call,
 * chimes and says it through the server's offline speech, says a recall again, and stays silent
 * about past calls when it is reloaded.
 */
import type { Request } from '@playwright/test';
import { expect, expectNoAxeViolations, expectNoHorizontalScrollOnKioskScreens, test } from './fixtures';
import { agentSocket, command, isSpeech, openBoard } from './staff-socket';

test('the board shows the site, the clock and the sound control, in portrait and landscape, French and Arabic', async ({
  page
}) => {
  await page.setViewportSize({ width: 1080, height: 1920 });
  await page.goto('/affichage');
  await expect(page.getByRole('heading', { level: 1, name: 'Mairie de Démoville' })).toBeVisible();
  await expect(page.locator('.clock time')).toHaveText(/^\d{2}:\d{2}$/);
  // The clock is said with its label (as text: a name on a paragraph is not read), and the calls
  // are the page's main landmark.
  await expect(page.locator('.clock')).toHaveText(/^Heure\s*\d{2}:\d{2}$/);
  await expect(page.locator('.clock time')).toHaveAttribute('datetime', /^\d{2}:\d{2}$/);
  await expect(page.locator('[aria-label]:not(button, a, input, select, [role], section, nav, main, aside, form)')).toHaveCount(
    0
  );
  await expect(page.getByRole('main')).toContainText('Appel en cours');
  await expect(page.getByRole('heading', { name: 'Appel en cours' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Derniers appels' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Activer le son' }).or(page.getByText('Son activé'))).toBeVisible();
  await expect(page.getByTestId('call-announcement')).toHaveAttribute('aria-live', 'assertive');
  await expectNoAxeViolations(page);
  await expectNoHorizontalScrollOnKioskScreens(page);

  // The sound button, when the browser asks for a tap, is big and allows sound at once.
  const enable = page.getByRole('button', { name: 'Activer le son' });
  if (await enable.isVisible()) {
    const box = (await enable.boundingBox())!;
    expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(72);
    await enable.tap();
  }
  await expect(page.getByText('Son activé')).toBeVisible();

  // Right to left, through the language switch, without a reload.
  await page.getByRole('button', { name: 'العربية' }).click();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.getByRole('heading', { name: 'النداء الحالي' })).toBeVisible();
  await expect(page.getByText('الصوت مفعّل')).toBeVisible();
  await expectNoAxeViolations(page);
  await expectNoHorizontalScrollOnKioskScreens(page);
  await page.getByRole('button', { name: 'Français' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
});

test('a called ticket is shown, chimed and said; a recall is said again; a reload says nothing', async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await openBoard(page);
  await expect(page.locator('.board[data-loaded="true"]')).toBeAttached();

  const agent = await agentSocket(page);
  try {
    const queue = await command(agent, 'queue:state', {});
    const counter = queue.counters[0]!;
    const ticket = await command(agent, 'ticket:issue', { requestId: `display-e2e-${Date.now()}`, service: 'accueil' });
    const [, letter, digits] = /^([A-Z])-?(\d+)$/.exec(ticket.label)!;
    const sentence = `Ticket ${letter} ${Number(digits)}, ${counter.name}`;
    const said = (r: Request) => isSpeech(r) && r.postDataJSON()?.text === sentence && r.postDataJSON()?.lang === 'fr';

    // The call: on the board in big, to the screen reader, and to the loudspeaker in French.
    const spoken = page.waitForRequest(said);
    await command(agent, 'counter:call', { counterId: counter.id, label: ticket.label });
    const current = page.getByTestId('current-call');
    await expect(current).toContainText(ticket.label);
    await expect(current).toContainText(counter.name);
    await expect(current).toHaveAttribute('data-fresh', 'true');
    await expect(page.getByTestId('call-announcement')).toHaveText(sentence);
    expect((await (await spoken).response())?.headers()['content-type']).toBe('audio/wav');
    await expect(page.getByTestId('waiting-counts')).toBeVisible();
    await expectNoAxeViolations(page);
    await expectNoHorizontalScrollOnKioskScreens(page);

    // The same ticket called again: a new announcement, said again.
    const spokenAgain = page.waitForRequest(said);
    await command(agent, 'counter:recall', { counterId: counter.id });
    await expect(current).toContainText('Rappel');
    await expect(page.getByTestId('call-announcement')).toHaveText(`Rappel. ${sentence}`);
    await spokenAgain;

    // A reload catches up: the call is on the board, and nothing is said again.
    const speech: string[] = [];
    page.on('request', (r) => {
      if (isSpeech(r)) speech.push(String(r.postDataJSON()?.text));
    });
    await page.reload();
    await expect(page.locator('.board[data-loaded="true"]')).toBeAttached();
    await expect(page.getByTestId('current-call')).toContainText(ticket.label);
    await expect(page.getByTestId('call-announcement')).toHaveText('');
    // The next ticket, called after the reload, is said: anything said about the past would have
    // been asked for before it, so once the next one is heard the list holds all that was said.
    const enableAgain = page.getByRole('button', { name: 'Activer le son' });
    const soundOn = page.getByText('Son activé');
    await expect(enableAgain.or(soundOn)).toBeVisible();
    if (await enableAgain.isVisible()) await enableAgain.tap();
    await expect(soundOn).toBeVisible();
    await command(agent, 'counter:finish', { counterId: counter.id });
    const next = await command(agent, 'ticket:issue', { requestId: `display-e2e-next-${Date.now()}`, service: 'accueil' });
    const [, nextLetter, nextDigits] = /^([A-Z])-?(\d+)$/.exec(next.label)!;
    const nextSentence = `Ticket ${nextLetter} ${Number(nextDigits)}, ${counter.name}`;
    const spokenNext = page.waitForRequest((r) => isSpeech(r) && r.postDataJSON()?.text === nextSentence);
    await command(agent, 'counter:call', { counterId: counter.id, label: next.label });
    await spokenNext;
    expect(speech, 'speech after a reload').toEqual([nextSentence]);

    await command(agent, 'counter:finish', { counterId: counter.id });
  } finally {
    agent.disconnect();
  }
});

test('the waiting counts follow a burst of tickets without a reload, and come back to where they were', async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await openBoard(page);
  await expect(page.locator('.board[data-loaded="true"]')).toBeAttached();

  const agent = await agentSocket(page);
  try {
    const queue = await command(agent, 'queue:state', {});
    // A service no other browser test takes tickets for: its count is this test's alone.
    const service = queue.services.find((s) => s.id !== 'accueil' && s.id !== 'titres')!;
    const counter = queue.counters[0]!;
    const count = page.getByTestId('waiting-counts').locator(`li[data-service="${service.id}"] .count`);
    await expect(count).toHaveText(String(service.waiting));

    // Taken at once: the board gets them as one change (or a few), and shows them all.
    const tickets = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        command(agent, 'ticket:issue', { requestId: `display-burst-${Date.now()}-${i}`, service: service.id })
      )
    );
    await expect(count).toHaveText(String(service.waiting + 5));

    for (const ticket of tickets) await command(agent, 'counter:call', { counterId: counter.id, label: ticket.label });
    await command(agent, 'counter:finish', { counterId: counter.id });
    await expect(count).toHaveText(String(service.waiting));
  } finally {
    agent.disconnect();
  }
});
