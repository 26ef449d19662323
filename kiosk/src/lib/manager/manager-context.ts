/**
 * The console's one socket connection and site, shared by every /gestion page through Svelte's
 * context: moving between pages keeps the connection (and what it has loaded) instead of
 * reconnecting.
 */
import { getContext, setContext } from 'svelte';
import type { Connection } from '$lib/socket.svelte';
import type { TerminalsState } from '$lib/terminals.svelte';
import type { SiteInfo } from '$shared/schemas/site';

export interface ManagerContext {
  readonly connection: Connection;
  readonly terminals: TerminalsState;
  readonly site: SiteInfo;
}

const key = Symbol('manager');

export function setManagerContext(context: ManagerContext): void {
  setContext(key, context);
}

export function managerContext(): ManagerContext {
  const context = getContext<ManagerContext | undefined>(key);
  if (!context) throw new Error('managerContext() is only available inside /gestion');
  return context;
}
