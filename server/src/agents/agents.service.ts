/**
 * Agent presence: the status each agent chooses (available, busy, on a break), whether their
 * tablet is connected, and who a call may ring. Nothing changes an agent's status for them except
 * joining a call (busy) and leaving it (back to what they had chosen).
 */
import type { AccountIdentity } from '../../../shared/identity';
import type { AgentPresenceView, AgentStatus } from '../../../shared/schemas/call';
import type { Notifier } from '../events/notifier';
import type { Store } from '../store';
import type { After } from '../events/after';
import type { AgentConnections } from './agent-connections';

export type AgentsService = ReturnType<typeof createAgentsService>;

export function createAgentsService({
  store,
  notifier,
  connections
}: {
  store: Store;
  notifier: Notifier;
  connections: AgentConnections;
}) {
  function view(accountId: string): AgentPresenceView {
    const account = store.accounts.findById(accountId);
    return {
      accountId,
      firstName: account?.firstName ?? '',
      status: store.agentPresence.get(accountId).status,
      online: connections.isOnline(accountId)
    };
  }

  function announce(siteId: string, accountId: string, after: After): void {
    after(() => notifier.presenceChanged(siteId, accountId, view));
  }

  return {
    view,
    announce,
    status: (accountId: string): AgentStatus => store.agentPresence.get(accountId).status,

    setStatus(agent: AccountIdentity, status: AgentStatus, after: After): AgentPresenceView {
      const current = store.agentPresence.get(agent.accountId);
      // Choosing a status during a call changes what the agent goes back to, not the call.
      const inCall = store.helpCalls.findJoinedBy(agent.accountId) !== null;
      if (inCall) store.agentPresence.set(agent.accountId, current.status, status);
      else store.agentPresence.set(agent.accountId, status, null);
      announce(agent.siteId, agent.accountId, after);
      return view(agent.accountId);
    },

    beginCall(siteId: string, accountId: string, after: After): void {
      const current = store.agentPresence.get(accountId);
      store.agentPresence.set(accountId, 'busy', current.beforeCall ?? current.status);
      announce(siteId, accountId, after);
    },

    endCall(siteId: string, accountId: string, after: After): void {
      const current = store.agentPresence.get(accountId);
      store.agentPresence.set(accountId, current.beforeCall ?? current.status, null);
      announce(siteId, accountId, after);
    },

    /** Agents to ring: connected now, available (stage 0) or available and busy (stage 1). Never on a break. */
    ringable(siteId: string, stage: 0 | 1): string[] {
      return connections.connectedInSite(siteId).filter((id) => {
        const status = store.agentPresence.get(id).status;
        return status === 'available' || (stage === 1 && status === 'busy');
      });
    },

    connectedCount: (siteId: string) => connections.connectedInSite(siteId).length,

    colleagues(agent: AccountIdentity): AgentPresenceView[] {
      return connections
        .onlineInSite(agent.siteId)
        .filter((id) => id !== agent.accountId)
        .map(view)
        .filter((v) => store.accounts.findById(v.accountId)?.active === true)
        .sort((a, b) => a.firstName.localeCompare(b.firstName, 'fr'));
    }
  };
}
