/**
 * `npm run demo:lock`: deactivates the demo accounts whose PIN or password is published in the
 * README, so the server may listen on the hall network, and revokes the demo kiosk and display,
 * so no page gets them by automatic pairing any more (pair real terminals from the console).
 * Their logins and device tokens end at once.
 *
 * Logins are unique per site only: the demo site's accounts are deactivated whatever their secret
 * (as before), and another site's account of the same login only when it still accepts the
 * published secret (what the network guard refuses); a real « marie » with her own PIN stays.
 */
import { systemClock } from '../server/src/clock';
import { parseConfig } from '../server/src/config';
import { openStore } from '../server/src/db/open-store';
import { verifySecret } from '../server/src/auth/secrets';
import { demoAccounts } from '../server/src/demo/demo-data';
import { createStore } from '../server/src/store';
import { TerminalPresence } from '../server/src/terminals/terminal-presence';
import { createTerminalsService } from '../server/src/terminals/terminals.service';
import { version } from '../server/src/version';

const config = parseConfig(process.env);
const opened = await openStore(config);
const store = createStore(opened.executor, opened.sqlite ?? null);
const terminals = createTerminalsService({ store, clock: systemClock, presence: new TerminalPresence(), serverVersion: version });
let revoked = 0;
const demoSites = new Set((await store.sites.listDemo()).map((s) => s.id));
// Secrets are checked first: the transaction below stays short.
const toLock: string[] = [];
for (const demo of demoAccounts) {
  for (const account of await store.accounts.listByLogin(demo.login)) {
    if (!account.active) continue;
    if (demoSites.has(account.siteId) || (await verifySecret(account.secretHash, demo.secret))) toLock.push(account.id);
  }
}
await store.transaction(async () => {
  for (const id of toLock) {
    await store.accounts.setActive(id, false);
    await store.authSessions.removeForAccount(id);
  }
  revoked = await terminals.revokeDemoTerminals();
});
await opened.close();
console.log(
  toLock.length || revoked
    ? `Deactivated ${toLock.length} demo account(s) and revoked ${revoked} demo terminal(s) in ${config.databaseUrl ? 'the PostgreSQL database' : config.databaseFile}.`
    : 'No active demo account or terminal: nothing to do.'
);
