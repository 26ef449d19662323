/**
 * The operators' side: their login, the list of sites with each one's health, creating a site
 * with a setup code for its first manager, suspending and resuming a site.
 *
 * An operator is an `OperatorIdentity`, which has no site: none of the site services (sessions,
 * calls, tickets, accounts, procedures…) takes one, and nothing here returns a citizen's data, a
 * staff member's name or a log line — only the site's public name, counts and times.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import type { OperatorIdentity } from '../../../shared/identity';
import type { OperatorLoginInput, OperatorSiteCreateInput, OperatorSiteView } from '../../../shared/schemas/operator';
import type { AgentConnections } from '../agents/agent-connections';
import type { Clock } from '../clock';
import type { SetupService } from '../setup/setup.service';
import type { Store } from '../store';
import type { TerminalPresence } from '../terminals/terminal-presence';
import { createLoginLimiter } from '../auth/login-limiter';
import { decoyHash, verifySecret } from '../auth/secrets';
import { hashToken, newToken } from '../auth/tokens';
import type { Operator } from './operators.repository';

export type OperatorsService = ReturnType<typeof createOperatorsService>;

export function createOperatorsService({
  store,
  clock,
  sessionHours,
  presence,
  connections,
  setup,
  siteCreated,
  siteSuspended
}: {
  store: Store;
  clock: Clock;
  sessionHours: number;
  presence: TerminalPresence;
  connections: AgentConnections;
  setup: Pick<SetupService, 'issueSiteCode' | 'forgetSiteCode'>;
  /** The new site must be served like any other (its catalog procedures, its queues). */
  siteCreated(siteId: string): Promise<void>;
  /** Closes the suspended site's open connections. */
  siteSuspended(siteId: string): void;
}) {
  // Operators' counters are apart from the sites' (their own key space): same rules.
  const limiter = createLoginLimiter({ repo: store.loginLimits, clock, transaction: (fn) => store.transaction(fn) });
  const limitKey = (login: string) => `operator/${login}`;

  function identityOf(operator: Operator, sessionId: string, expiresAt: string): OperatorIdentity {
    return {
      kind: 'operator',
      operatorId: operator.id,
      login: operator.login,
      firstName: operator.firstName,
      operatorSessionId: sessionId,
      expiresAt
    };
  }

  async function siteExists(siteId: string): Promise<void> {
    if (!(await store.sites.findById(siteId))) throw new AppError('not_found', `No site ${siteId}`);
  }

  return {
    async login(input: OperatorLoginInput, from: { address: string }): Promise<{ token: string; identity: OperatorIdentity }> {
      const consumed = await limiter.consume(limitKey(input.login), from.address);
      if (!consumed.ok) {
        const wait = consumed.retryAfterSeconds;
        throw new AppError(
          'too_many_attempts',
          `Too many failed attempts: try again in ${wait} seconds (${Math.ceil(wait / 60)} min)`,
          undefined,
          { retryAfterSeconds: wait }
        );
      }
      const operator = await store.operators.findByLogin(input.login);
      const usable = operator?.active === true;
      // Verify against a decoy when the operator is unusable, so timing does not reveal logins.
      const ok = await verifySecret(usable ? operator.secretHash : await decoyHash(), input.password);
      if (!usable || !ok) throw new AppError('login_failed', 'Unknown login or wrong password');
      await limiter.succeeded(consumed);
      const token = newToken();
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + sessionHours * 3_600_000).toISOString();
      const id = randomUUID();
      await store.operatorSessions.insert({
        tokenHash: hashToken(token),
        id,
        operatorId: operator.id,
        createdAt: now.toISOString(),
        expiresAt
      });
      return { token, identity: identityOf(operator, id, expiresAt) };
    },

    /** The operator behind a login token, or null when absent, expired or deactivated. */
    async resolve(token: string | undefined): Promise<OperatorIdentity | null> {
      if (!token) return null;
      const session = await store.operatorSessions.findByTokenHash(hashToken(token));
      if (!session) return null;
      if (session.expiresAt <= clock.now().toISOString()) {
        await store.operatorSessions.remove(session.id);
        return null;
      }
      const operator = await store.operators.findById(session.operatorId);
      if (!operator?.active) return null;
      return identityOf(operator, session.id, session.expiresAt);
    },

    async logout(identity: OperatorIdentity): Promise<void> {
      await store.operatorSessions.remove(identity.operatorSessionId);
    },

    /** Every site with its health: counts and times only. */
    async listSites(): Promise<OperatorSiteView[]> {
      const summaries = await store.siteOperations.listSummaries();
      const figures = await store.siteOperations.storedFigures();
      const views: OperatorSiteView[] = [];
      for (const site of summaries) {
        const stored = figures.get(site.id);
        const online = (await store.terminals.listActiveInSite(site.id)).filter((t) => presence.isOnline(t.id));
        views.push({
          ...site,
          hasManager: (stored?.managers ?? 0) > 0,
          health: {
            kiosksOnline: online.filter((t) => t.kind === 'kiosk').length,
            displaysOnline: online.filter((t) => t.kind === 'display').length,
            tabletsConnected: connections.connectedInSite(site.id).length,
            callsRinging: stored?.callsRinging ?? 0,
            ticketsWaiting: stored?.ticketsWaiting ?? 0,
            printJobsPending: stored?.printJobsPending ?? 0,
            printerFaultsOpen: stored?.printerFaultsOpen ?? 0,
            lastActivityAt: stored?.lastActivityAt ?? null
          }
        });
      }
      return views;
    },

    /** A new site, and the one-time code its first manager types at /gestion to create their account. */
    async createSite(
      _operator: OperatorIdentity,
      input: OperatorSiteCreateInput
    ): Promise<{ siteId: string; setupCode: string }> {
      const siteId = randomUUID();
      await store.sites.insert({
        id: siteId,
        name: input.name,
        address: '',
        phone: '',
        timezone: input.timezone,
        isDemo: false,
        createdAt: clock.now().toISOString()
      });
      await siteCreated(siteId);
      return { siteId, setupCode: setup.issueSiteCode(siteId) };
    },

    /** A new setup code for a site that has no manager yet (the previous one, or a restart, voided it). */
    async newSetupCode(_operator: OperatorIdentity, siteId: string): Promise<{ setupCode: string }> {
      await siteExists(siteId);
      if ((await store.accounts.countActiveManagers(siteId)) > 0) {
        setup.forgetSiteCode(siteId);
        throw new AppError('setup_done', 'This site already has a manager: they manage its accounts');
      }
      return { setupCode: setup.issueSiteCode(siteId) };
    },

    /**
     * Suspends a site: its terminals' and staff's credentials are refused, its open connections
     * closed. Its data stays, and the retention purge and erasures still run for it.
     */
    async suspend(_operator: OperatorIdentity, siteId: string, reason: string): Promise<void> {
      await siteExists(siteId);
      await store.siteOperations.suspend(siteId, clock.now().toISOString(), reason);
      siteSuspended(siteId);
    },

    async resume(_operator: OperatorIdentity, siteId: string): Promise<void> {
      await siteExists(siteId);
      await store.siteOperations.resume(siteId);
    },

    purgeExpired(): Promise<number> {
      return store.operatorSessions.purgeExpired(clock.now().toISOString());
    }
  };
}
