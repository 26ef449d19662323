/**
 * For browser tests that act as staff through the real socket (an agent calling tickets, a manager
 * reading the demo printer) while the pages under test are driven in Chromium.
 */
import type { Page, Request } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, CommandInput, CommandName, CommandResults, ServerToClientEvents } from '../shared/contract';
import type { Ack } from '../shared/errors';
import { baseURL } from './playwright.config';
import { demo, expect } from './fixtures';

export type AgentSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A staff socket (agent or manager), logged in through the real login route. */
export async function staffSocket(page: Page, face: 'agent' | 'manager'): Promise<AgentSocket> {
  const who = demo[face];
  const res = await page.request.post('/api/auth/login', { data: { face, login: who.login, secret: who.secret } });
  expect(res.status()).toBe(200);
  const cookie = new RegExp(`guichet_${face}=([^;]+)`).exec(res.headers()['set-cookie'] ?? '')![1]!;
  return io(baseURL, { auth: { face, token: decodeURIComponent(cookie) }, transports: ['websocket'], forceNew: true });
}

export const agentSocket = (page: Page) => staffSocket(page, 'agent');

export async function command<K extends CommandName>(
  socket: AgentSocket,
  name: K,
  payload: CommandInput<K>
): Promise<CommandResults[K]> {
  const emit = socket.timeout(5000).emitWithAck as unknown as (
    event: K,
    payload: CommandInput<K>
  ) => Promise<Ack<CommandResults[K]>>;
  const ack = await emit.call(socket.timeout(5000), name, payload);
  expect(ack, `${name} answered`).toMatchObject({ ok: true });
  return (ack as { ok: true; data: CommandResults[K] }).data;
}

/** Opens the board and allows sound the way a person would, with one tap when the browser asks for it. */
export async function openBoard(page: Page): Promise<void> {
  await page.goto('/affichage');
  await expect(page.getByRole('heading', { level: 1, name: 'Mairie de Démoville' })).toBeVisible();
  const enable = page.getByRole('button', { name: 'Activer le son' });
  const on = page.getByText('Son activé');
  await expect(enable.or(on)).toBeVisible();
  if (await enable.isVisible()) await enable.tap();
  await expect(on).toBeVisible();
}

export const isSpeech = (r: Request) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/speech';
