/** Creates the demo site, its terminals and accounts when the store has no site at all. */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { Store } from '../store';
import { hashSecret } from '../auth/secrets';
import { demoAccounts, demoSite, demoTerminals } from './demo-data';

/** What the demo counters call from: the reception desk and the procedures' services. */
const demoCounterServices = [
  ['accueil', 'titres', 'etat-civil', 'ccas', 'elections'],
  ['accueil', 'titres', 'etat-civil'],
  ['ccas']
];

/** The demo's two printers, started by the server itself: a receipt printer and an A4 one. */
const demoPrinters = [
  { kind: 'receipt' as const, name: 'Imprimante du hall (démo)', uri: 'virtual://receipt' },
  { kind: 'a4' as const, name: 'Imprimante A4 (démo)', uri: 'virtual://a4' }
];

/** Gives the demo site its printers (also to a demo database made before printing existed). */
function seedDemoPrinters(store: Store, clock: Clock, siteId: string): Promise<void> {
  // Looked for and added together (or in the caller's transaction).
  return store.transaction(async () => {
    if ((await store.printers.listInSite(siteId)).length > 0) return;
    for (const p of demoPrinters) {
      await store.printers.insert({ id: randomUUID(), siteId, terminalId: null, ...p }, clock.now().toISOString());
    }
  });
}

export async function seedDemoIfEmpty(store: Store, clock: Clock): Promise<boolean> {
  if ((await store.sites.count()) > 0) {
    for (const site of await store.sites.listDemo()) await seedDemoPrinters(store, clock, site.id);
    return false;
  }
  // Hash first: the transaction below holds the store, and hashing takes a while.
  const hashes = await Promise.all(demoAccounts.map((a) => hashSecret(a.secret)));
  const now = clock.now().toISOString();
  const siteId = randomUUID();
  await store.transaction(async () => {
    await store.sites.insert({ id: siteId, ...demoSite, isDemo: true, createdAt: now });
    for (const t of demoTerminals) {
      await store.terminals.insert({ id: randomUUID(), siteId, kind: t.kind, name: t.name, location: t.location, pairedAt: now });
    }
    for (const [i, a] of demoAccounts.entries()) {
      await store.accounts.insert({
        id: randomUUID(),
        siteId,
        role: a.role,
        login: a.login,
        firstName: a.firstName,
        secretHash: hashes[i]!,
        active: true,
        createdAt: now,
        secretLength: a.role === 'agent' ? a.secret.length : null
      });
    }
    await seedDemoPrinters(store, clock, siteId);
    // Three counters; the first two call from every service until an agent chooses otherwise.
    for (const [i, name] of ['Guichet 1', 'Guichet 2', 'Guichet 3'].entries()) {
      await store.counters.insert({ id: randomUUID(), siteId, name, services: demoCounterServices[i] ?? [], position: i });
    }
  });
  return true;
}
