/** Agents' and managers' logins: checking the PIN or password, opening and closing login sessions. */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import type { AccountIdentity, AccountRole } from '../../../shared/identity';
import type { LoginInput } from '../../../shared/schemas/auth';
import type { Clock } from '../clock';
import type { Store } from '../store';
import type { Account } from '../accounts/accounts.repository';
import { LoginThrottle } from './login-throttle';
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
  const throttle = new LoginThrottle(clock);

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
  function openSession(account: Account): { token: string; identity: AccountIdentity } {
    const token = newToken();
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + sessionHours[account.role] * 3_600_000).toISOString();
    const id = randomUUID();
    store.authSessions.insert({
      tokenHash: hashToken(token),
      id,
      accountId: account.id,
      createdAt: now.toISOString(),
      expiresAt
    });
    return { token, identity: identityOf(account, id, expiresAt) };
  }

  return {
    async login(input: LoginInput): Promise<{ token: string; identity: AccountIdentity }> {
      if (throttle.isBlocked(input.login)) {
        throw new AppError(
          'too_many_attempts',
          'Too many failed attempts for this account: wait 5 minutes or ask a site manager'
        );
      }
      const account = store.accounts.findForLogin(input.siteId, input.login);
      const usable = account && account.active && account.role === input.face;
      // Verify against a decoy when the account is unusable, so timing does not reveal logins.
      const ok = await verifySecret(usable ? account.secretHash : await decoyHash(), input.secret);
      if (!usable || !ok) {
        throttle.fail(input.login);
        throw new AppError('login_failed', 'Unknown login or wrong PIN/password');
      }
      throttle.succeed(input.login);
      return openSession(account);
    },

    openSession,

    /** The identity behind a login token for the given role, or null when absent, expired or disabled. */
    resolve(role: AccountRole, token: string | undefined): AccountIdentity | null {
      if (!token) return null;
      const session = store.authSessions.findByTokenHash(hashToken(token));
      if (!session) return null;
      if (session.expiresAt <= clock.now().toISOString()) {
        store.authSessions.remove(session.id);
        return null;
      }
      const account = store.accounts.findById(session.accountId);
      if (!account || !account.active || account.role !== role) return null;
      return identityOf(account, session.id, session.expiresAt);
    },

    logout(sessionId: string): void {
      store.authSessions.remove(sessionId);
    },

    purgeExpired(): number {
      return store.authSessions.purgeExpired(clock.now().toISOString());
    }
  };
}
