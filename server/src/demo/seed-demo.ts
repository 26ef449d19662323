/** Creates the demo site, its terminals and accounts when the store has no site at all. */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { Store } from '../store';
import { hashSecret } from '../auth/secrets';
import { demoAccounts, demoSite, demoTerminals } from './demo-data';

export async function seedDemoIfEmpty(store: Store, clock: Clock): Promise<boolean> {
  if (store.sites.count() > 0) return false;
  // Hash first: the transaction below must stay synchronous.
  const hashes = await Promise.all(demoAccounts.map((a) => hashSecret(a.secret)));
  const now = clock.now().toISOString();
  const siteId = randomUUID();
  store.db.transaction(() => {
    store.sites.insert({ id: siteId, ...demoSite, isDemo: true, createdAt: now });
    for (const t of demoTerminals) {
      store.terminals.insert({ id: randomUUID(), siteId, kind: t.kind, name: t.name, location: t.location, pairedAt: now });
    }
    demoAccounts.forEach((a, i) => {
      store.accounts.insert({
        id: randomUUID(),
        siteId,
        role: a.role,
        login: a.login,
        firstName: a.firstName,
        secretHash: hashes[i]!,
        active: true,
        createdAt: now
      });
    });
  })();
  return true;
}
