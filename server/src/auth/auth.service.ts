/** Agents' and managers' logins: checking the PIN or password, opening and closing login sessions. */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import type { AccountIdentity, AccountRole } from '../../../shared/identity';
import type { LoginInput } from '../../../shared/schemas/auth';
import type { Clock } from '../clock';
import type { Store } from '../store';
import type { Account } from '../accounts/accounts.repository';
import { createLoginLimiter } from './login-limiter';
import { decoyHash, verifySecret } from './secrets';
import { hashToken, newToken } from './tokens';

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService({
  store,
  clock,
  sessionHours
}: {
  store: Store;
  clock: Clock;
  sessionHours: Record<AccountRole, number>;
}) {
  const limiter = createLoginLimiter({ repo: store.loginLimits, clock, transaction: (fn) => store.transaction(fn) });

  /**
   * Logins are unique per site: the counters of « marie » at one site are not another's. A login
   * without a site only happens on a server with one site (the HTTP layer asks for it otherwise).
   */
  async function soleSiteId(): Promise<string> {
    return (await store.sites.listAll())[0]?.id ?? '';
  }
  const limitKey = (siteId: string, login: string) => `${siteId}/${login}`;

  function identityOf(account: Account, sessionId: string, expiresAt: string): AccountIdentity {
    return {
      kind: 'account',
      role: account.role,
      siteId: account.siteId,
      accountId: account.id,
      login: account.login,
      firstName: account.firstName,
      authSessionId: sessionId,
      expiresAt
    };
  }

  /** A new login session for an account whose secret was just checked (or just chosen, at setup). */
  async function openSession(account: Account): Promise<{ token: string; identity: AccountIdentity }> {
    const token = newToken();
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + sessionHours[account.role] * 3_600_000).toISOString();
    const id = randomUUID();
    await store.authSessions.insert({
      tokenHash: hashToken(token),
      id,
      accountId: account.id,
      createdAt: now.toISOString(),
      expiresAt
    });
    return { token, identity: identityOf(account, id, expiresAt) };
  }

  return {
    /**
     * Checks a login. The attempt is counted before the secret is checked (see `login-limiter.ts`),
     * so attempts sent together cannot all slip under the limit.
     */
    async login(input: LoginInput, from: { address: string }): Promise<{ token: string; identity: AccountIdentity }> {
      const consumed = await limiter.consume(limitKey(input.siteId ?? (await soleSiteId()), input.login), from.address);
      if (!consumed.ok) {
        const wait = consumed.retryAfterSeconds;
        throw new AppError(
          'too_many_attempts',
          `Too many failed attempts: try again in ${wait} seconds (${Math.ceil(wait / 60)} min), or ask a site manager to unlock the account`,
          undefined,
          { retryAfterSeconds: wait }
        );
      }
      const account = await store.accounts.findForLogin(input.siteId, input.login);
      const usable = account && account.active && account.role === input.face;
      // Verify against a decoy when the account is unusable, so timing does not reveal logins.
      const ok = await verifySecret(usable ? account.secretHash : await decoyHash(), input.secret);
      if (!usable || !ok) throw new AppError('login_failed', 'Unknown login or wrong PIN/password');
      // Said only once the secret is right: a suspended site is not revealed to a guesser.
      if (await store.siteOperations.suspendedAt(account.siteId)) {
        throw new AppError(
          'site_suspended',
          'This site is suspended by the service’s operator: no one can log in to it until it is resumed'
        );
      }
      await limiter.succeeded(consumed);
      // The PIN's length (never the PIN) tells the console whether it meets the site's rule.
      if (account.role === 'agent' && account.secretLength !== input.secret.length) {
        await store.accounts.setSecretLength(account.id, input.secret.length);
      }
      return openSession(account);
    },

    /** Whether this login is refused for now (from some address or from all). */
    isLocked: (siteId: string, login: string): Promise<boolean> => limiter.isLocked(limitKey(siteId, login)),

    /** Lifts the login's blocks; the caller checked the manager may. */
    unlock: (siteId: string, login: string): Promise<number> => limiter.unlock(limitKey(siteId, login)),

    purgeLoginLimits: (): Promise<number> => limiter.purge(),

    openSession,

    /** The identity behind a login token for the given role, or null when absent, expired or disabled. */
    async resolve(role: AccountRole, token: string | undefined, evenSuspended = false): Promise<AccountIdentity | null> {
      if (!token) return null;
      const session = await store.authSessions.findByTokenHash(hashToken(token));
      if (!session) return null;
      if (session.expiresAt <= clock.now().toISOString()) {
        await store.authSessions.remove(session.id);
        return null;
      }
      const account = await store.accounts.findById(session.accountId);
      if (!account || !account.active || account.role !== role) return null;
      // A suspended site's staff are refused until an operator resumes it.
      if (!evenSuspended && (await store.siteOperations.suspendedAt(account.siteId))) return null;
      return identityOf(account, session.id, session.expiresAt);
    },

    async logout(sessionId: string): Promise<void> {
      await store.authSessions.remove(sessionId);
    },

    purgeExpired(): Promise<number> {
      return store.authSessions.purgeExpired(clock.now().toISOString());
    }
  };
}
