/**
 * The demo credentials are public (README). Listening on the hall network while one of them
 * still opens an active account would let anyone there act as an agent or a manager.
 */
import { isLoopbackHost } from '../config';
import type { Store } from '../store';
import { verifySecret } from '../auth/secrets';
import { demoAccounts } from './demo-data';

/**
 * Logins of active accounts that still accept their published demo PIN or password. Every site is
 * looked at: logins are unique per site only, and another site's « marie » with the README's PIN
 * is just as open.
 */
export async function exposedDemoLogins(store: Store): Promise<string[]> {
  const exposed: string[] = [];
  for (const demo of demoAccounts) {
    for (const account of await store.accounts.listByLogin(demo.login)) {
      if (account.active && (await verifySecret(account.secretHash, demo.secret))) {
        exposed.push(demo.login);
        break;
      }
    }
  }
  return exposed;
}

export class NetworkGuardError extends Error {
  constructor(host: string, logins: string[], behindProxy = false) {
    super(
      `Refusing to listen on ${host}${behindProxy ? ' behind a reverse proxy (GUICHET_TRUST_PROXY is set)' : ''}: ` +
        `the demo accounts ${logins.join(', ')} still accept the PIN or password published in the README, ` +
        `so anyone on the network could use them.\n` +
        `Fix: run "npm run demo:lock" to deactivate the demo accounts (or change their PIN/password), then start again. ` +
        (behindProxy
          ? `To keep trying the demo, open it on this machine without the proxy: unset GUICHET_TRUST_PROXY.`
          : `To keep trying the demo, listen on this machine only: unset GUICHET_HOST or set GUICHET_HOST=127.0.0.1.`)
    );
    this.name = 'NetworkGuardError';
  }
}

/**
 * Listening beyond loopback exposes the server; so does a reverse proxy (`behindProxy`): it
 * listens on loopback but forwards the whole network to it.
 */
export async function assertSafeToListen(host: string, store: Store, behindProxy = false): Promise<void> {
  if (isLoopbackHost(host) && !behindProxy) return;
  const logins = await exposedDemoLogins(store);
  if (logins.length > 0) throw new NetworkGuardError(host, logins, behindProxy);
}
