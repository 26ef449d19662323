/**
 * « Tout effacer » while the server does not hear it: the kiosk shows its idle screen at once, and
 * on the next connection it ends that session again rather than resume it (the next citizen must
 * never see the previous one's answers).
 */
import os from 'node:os';
import path from 'node:path';
import type { WebSocketRoute } from '@playwright/test';
import Database from 'better-sqlite3';
import { eraseAll, expect, openKiosk, test } from './fixtures';

/** The demo kiosk's sessions still going on, read from the server's database. */
function activeSessions(port: string): number {
  const db = new Database(path.join(os.tmpdir(), `guichet-e2e-${port}`, 'guichet.sqlite'), { readonly: true });
  const row = db.prepare("SELECT count(*) AS n FROM kiosk_sessions WHERE status = 'active'").get() as { n: number };
  db.close();
  return row.n;
}

test('a wipe the server did not hear is done again on reconnection, and the session is never resumed', async ({
  page,
  baseURL
}) => {
  const port = new URL(baseURL!).port;
  // Every socket frame goes through here; `session:end` is held back while `dropEnds` is set.
  let dropEnds = false;
  let socket: WebSocketRoute | null = null;
  let dropped!: () => void;
  const endDropped = new Promise<void>((resolve) => (dropped = resolve));
  const endsHeard: string[] = [];
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    const server = ws.connectToServer();
    socket = ws;
    ws.onMessage((message) => {
      if (typeof message === 'string' && message.includes('"session:end"')) {
        if (dropEnds) return dropped();
        endsHeard.push(message);
      }
      server.send(message);
    });
  });

  await openKiosk(page);
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.getByRole('radio', { name: 'Passeport' }).tap();
  await expect.poll(() => activeSessions(port)).toBe(1);
  const endsBefore = endsHeard.length;

  // The wipe leaves the server unaware: the screen is wiped all the same.
  dropEnds = true;
  await eraseAll(page);
  await endDropped;
  await expect(page.locator('.kiosk[data-screen="idle"]')).toBeVisible();

  // The connection drops and comes back: the server offers the session it still has going on.
  dropEnds = false;
  socket!.close();

  // The kiosk ended it again instead of resuming it, and stays on its idle screen.
  await expect.poll(() => endsHeard.length).toBe(endsBefore + 1);
  expect(endsHeard.at(-1)).toContain('"reason":"finished"');
  await expect.poll(() => activeSessions(port)).toBe(0);
  await expect(page.locator('.kiosk[data-screen="idle"]')).toBeVisible();
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.getByRole('radio', { name: 'Passeport' })).toHaveAttribute('aria-checked', 'false');
});
