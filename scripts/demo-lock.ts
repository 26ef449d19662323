/**
 * `npm run demo:lock`: deactivates the demo accounts whose PIN or password is published in the
 * README, so the server may listen on the hall network. Their sessions end at once.
 */
import { parseConfig } from '../server/src/config';
import { openDatabase } from '../server/src/db/database';
import { demoAccounts } from '../server/src/demo/demo-data';
import { createStore } from '../server/src/store';

const config = parseConfig(process.env);
const db = openDatabase(config.databaseFile);
const store = createStore(db);
let locked = 0;
db.transaction(() => {
  // The published credentials open the demo site's accounts; another site may have its own
  // « marie », which is none of the README's business.
  const demoSites = store.sites.listDemo();
  for (const demo of demoAccounts) {
    const account = demoSites.map((site) => store.accounts.findInSite(site.id, demo.login)).find((a) => a !== null) ?? null;
    if (account?.active) {
      store.accounts.setActive(account.id, false);
      store.authSessions.removeForAccount(account.id);
      locked++;
    }
  }
})();
db.close();
console.log(
  locked ? `Deactivated ${locked} demo account(s) in ${config.databaseFile}.` : 'No active demo account: nothing to do.'
);
