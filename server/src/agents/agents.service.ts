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
  async function view(accountId: string): Promise<AgentPresenceView> {
    const account = await store.accounts.findById(accountId);
    return {
      accountId,
      firstName: account?.firstName ?? '',
      status: (await store.agentPresence.get(accountId)).status,
      online: connections.isOnline(accountId)
    };
  }

  function announce(siteId: string, accountId: string, after: After): void {
    after(() => notifier.presenceChanged(siteId, accountId, view));
  }

  return {
    view,
    announce,
    status: async (accountId: string): Promise<AgentStatus> => (await store.agentPresence.get(accountId)).status,

    async setStatus(agent: AccountIdentity, status: AgentStatus, after: After): Promise<AgentPresenceView> {
      const current = await store.agentPresence.get(agent.accountId);
      // Choosing a status during a call changes what the agent goes back to, not the call.
      const inCall = (await store.helpCalls.findJoinedBy(agent.accountId)) !== null;
      if (inCall) await store.agentPresence.set(agent.accountId, current.status, status);
      else await store.agentPresence.set(agent.accountId, status, null);
      announce(agent.siteId, agent.accountId, after);
      return view(agent.accountId);
    },

    async beginCall(siteId: string, accountId: string, after: After): Promise<void> {
      const current = await store.agentPresence.get(accountId);
      await store.agentPresence.set(accountId, 'busy', current.beforeCall ?? current.status);
      announce(siteId, accountId, after);
    },

    async endCall(siteId: string, accountId: string, after: After): Promise<void> {
      const current = await store.agentPresence.get(accountId);
      await store.agentPresence.set(accountId, current.beforeCall ?? current.status, null);
      announce(siteId, accountId, after);
    },

    /** Agents to ring: connected now, available (stage 0) or available and busy (stage 1). Never on a break. */
    async ringable(siteId: string, stage: 0 | 1): Promise<string[]> {
      const ids = connections.connectedInSite(siteId);
      const presences = await Promise.all(ids.map((id) => store.agentPresence.get(id)));
      return ids.filter((_, i) => {
        const status = presences[i]?.status;
        return status === 'available' || (stage === 1 && status === 'busy');
      });
    },

    connectedCount: (siteId: string) => connections.connectedInSite(siteId).length,

    /** Connected, or lost with a node that stopped: their tablet is reconnecting to another one. */
    reachableCount: (siteId: string) => connections.reachableInSite(siteId).length,

    async colleagues(agent: AccountIdentity): Promise<AgentPresenceView[]> {
      const others = connections.onlineInSite(agent.siteId).filter((id) => id !== agent.accountId);
      const views: AgentPresenceView[] = [];
      for (const id of others) {
        if ((await store.accounts.findById(id))?.active !== true) continue;
        views.push(await view(id));
      }
      return views.sort((a, b) => a.firstName.localeCompare(b.firstName, 'fr'));
    }
  };
}
