/**
 * Which agents have a tablet connected right now, in memory (presence is not history). A tablet
 * that drops keeps its agent "present" for a grace period: tablets sleep and Wi-Fi flaps, and a
 * citizen should not lose their agent to a two-second gap.
 */
interface Entry {
  siteId: string;
  firstName: string;
  sockets: number;
  /** When the last socket went away (ms), or null while connected. */
  lostAt: number | null;
}

export class AgentConnections {
  private readonly agents = new Map<string, Entry>();

  /** Returns whether the agent was in the grace period (lost, now back). */
  connected(accountId: string, siteId: string, firstName: string): { wasLost: boolean; first: boolean } {
    const entry = this.agents.get(accountId);
    if (!entry) {
      this.agents.set(accountId, { siteId, firstName, sockets: 1, lostAt: null });
      return { wasLost: false, first: true };
    }
    const wasLost = entry.sockets === 0;
    entry.sockets += 1;
    entry.lostAt = null;
    return { wasLost, first: wasLost };
  }

  /** Returns true when the agent has no socket left (the grace period starts). */
  disconnected(accountId: string, now: number): boolean {
    const entry = this.agents.get(accountId);
    if (!entry) return false;
    entry.sockets = Math.max(0, entry.sockets - 1);
    if (entry.sockets > 0) return false;
    entry.lostAt = now;
    return true;
  }

  /** After a restart, agents who were joined to a call get the same grace to come back. */
  markLost(accountId: string, siteId: string, firstName: string, now: number): void {
    if (!this.agents.has(accountId)) this.agents.set(accountId, { siteId, firstName, sockets: 0, lostAt: now });
  }

  /** The agent is gone for good (deactivated): no grace period. */
  forget(accountId: string): void {
    this.agents.delete(accountId);
  }

  isConnected(accountId: string): boolean {
    return (this.agents.get(accountId)?.sockets ?? 0) > 0;
  }

  /** Connected, or lost less than the grace period ago. */
  isOnline(accountId: string): boolean {
    return this.agents.has(accountId);
  }

  connectedInSite(siteId: string): string[] {
    return [...this.agents].filter(([, e]) => e.siteId === siteId && e.sockets > 0).map(([id]) => id);
  }

  onlineInSite(siteId: string): string[] {
    return [...this.agents].filter(([, e]) => e.siteId === siteId).map(([id]) => id);
  }

  /** Removes and returns the agents whose grace period is over. */
  expire(now: number, graceMs: number): { accountId: string; siteId: string; firstName: string }[] {
    const out: { accountId: string; siteId: string; firstName: string }[] = [];
    for (const [accountId, e] of this.agents) {
      if (e.sockets === 0 && e.lostAt !== null && now - e.lostAt >= graceMs) {
        this.agents.delete(accountId);
        out.push({ accountId, siteId: e.siteId, firstName: e.firstName });
      }
    }
    return out;
  }
}
