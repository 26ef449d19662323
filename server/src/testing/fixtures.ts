/** Extra sites, accounts and terminals for tests, written through the real data modules. */
import { randomUUID } from 'node:crypto';
import { hashSecret } from '../auth/secrets';
import type { Clock } from '../clock';
import type { Store } from '../store';

export interface SiteFixture {
  siteId: string;
  managerLogin: string;
  agentLogin: string;
  kioskId: string;
}

export const fixturePassword = 'correct-horse-battery';
export const fixturePin = '2468';

export async function addSite(store: Store, clock: Clock, name: string): Promise<SiteFixture> {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const [managerHash, agentHash] = await Promise.all([hashSecret(fixturePassword), hashSecret(fixturePin)]);
  const now = clock.now().toISOString();
  const siteId = randomUUID();
  const kioskId = randomUUID();
  await store.transaction(async () => {
    await store.sites.insert({
      id: siteId,
      name,
      address: `1 rue de ${name}`,
      phone: '',
      timezone: 'Europe/Paris',
      isDemo: false,
      createdAt: now
    });
    await store.accounts.insert({
      id: randomUUID(),
      siteId,
      role: 'manager',
      login: `${slug}-manager`,
      firstName: 'Alex',
      secretHash: managerHash,
      active: true,
      createdAt: now
    });
    await store.accounts.insert({
      id: randomUUID(),
      siteId,
      role: 'agent',
      login: `${slug}-agent`,
      firstName: 'Sam',
      secretHash: agentHash,
      active: true,
      createdAt: now
    });
    await store.terminals.insert({ id: kioskId, siteId, kind: 'kiosk', name: `Borne ${name}`, location: '', pairedAt: now });
  });
  return { siteId, managerLogin: `${slug}-manager`, agentLogin: `${slug}-agent`, kioskId };
}

/**
 * Every row of every table, to prove that a refused command changed nothing. Read in one turn on
 * the connection: never halfway through another command's transaction.
 */
export function snapshot(store: Store): Promise<Record<string, unknown[]>> {
  return store.executor.turn(() => {
    const tables = (
      store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
    ).map((t) => t.name);
    return Object.fromEntries(tables.map((t) => [t, store.db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all()]));
  });
}
