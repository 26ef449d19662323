/**
 * `npm run demo:lock`: deactivates the demo accounts whose PIN or password is published in the
 * README, so the server may listen on the hall network, and revokes the demo kiosk and display,
 * so no page gets them by automatic pairing any more (pair real terminals from the console).
 * Their logins and device tokens end at once.
 */
import { systemClock } from '../server/src/clock';
import { parseConfig } from '../server/src/config';
import { openDatabase } from '../server/src/db/database';
import { demoAccounts } from '../server/src/demo/demo-data';
import { createStore } from '../server/src/store';
import { TerminalPresence } from '../server/src/terminals/terminal-presence';
import { createTerminalsService } from '../server/src/terminals/terminals.service';
import { version } from '../server/src/version';

const config = parseConfig(process.env);
const db = openDatabase(config.databaseFile);
const store = createStore(db);
const terminals = createTerminalsService({ store, clock: systemClock, presence: new TerminalPresence(), serverVersion: version });
let locked = 0;
let revoked = 0;
db.transaction(() => {
  for (const demo of demoAccounts) {
    const account = store.accounts.findByLogin(demo.login);
    if (account?.active) {
      store.accounts.setActive(account.id, false);
      store.authSessions.removeForAccount(account.id);
      locked++;
    }
  }
  revoked = terminals.revokeDemoTerminals();
})();
db.close();
console.log(
  locked || revoked
    ? `Deactivated ${locked} demo account(s) and revoked ${revoked} demo terminal(s) in ${config.databaseFile}.`
    : 'No active demo account or terminal: nothing to do.'
);
