/**
 * Which agents have a tablet connected right now, in memory (presence is not history). A tablet
 * that drops keeps its agent "present" for a grace period: tablets sleep and Wi-Fi flaps, and a
 * citizen should not lose their agent to a two-second gap.
 *
 * With several nodes a tablet's socket is on one of them, and a call rung from another must still
 * find the agent: each node counts its own sockets and is told the others' counts
 * (`cluster/agent-sync.ts`). An agent is connected while any node has a socket of theirs, and a
 * node that stops being heard from has none.
 */
export interface AgentCount {
  accountId: string;
  siteId: string;
  firstName: string;
  /** Sockets of the agent on the node that tells it. */
  sockets: number;
}

interface Entry {
  siteId: string;
  firstName: string;
  /** Sockets on this node. */
  sockets: number;
  /** Sockets on the other nodes, by node. */
  elsewhere: Map<string, number>;
  /** When the last socket went away (ms), or null while connected. */
  lostAt: number | null;
  /** Lost because the node holding the last socket stopped (not the tablet's own drop). */
  lostWithNode: boolean;
}

/** An agent with no socket here or elsewhere yet; `lostAt` set if they are to get a grace period. */
function newEntry(siteId: string, firstName: string, lostAt: number | null): Entry {
  return { siteId, firstName, sockets: 0, elsewhere: new Map(), lostAt, lostWithNode: false };
}

function total(e: Entry): number {
  let n = e.sockets;
  for (const c of e.elsewhere.values()) n += c;
  return n;
}

export class AgentConnections {
  private readonly agents = new Map<string, Entry>();
  /** The same entries by site: a call asks for its site's agents, not for a pass over every site's. */
  private readonly bySite = new Map<string, Map<string, Entry>>();

  private add(accountId: string, entry: Entry): void {
    this.agents.set(accountId, entry);
    let site = this.bySite.get(entry.siteId);
    if (!site) {
      site = new Map();
      this.bySite.set(entry.siteId, site);
    }
    site.set(accountId, entry);
  }

  private remove(accountId: string): void {
    const entry = this.agents.get(accountId);
    if (!entry) return;
    this.agents.delete(accountId);
    const site = this.bySite.get(entry.siteId);
    site?.delete(accountId);
    if (site?.size === 0) this.bySite.delete(entry.siteId);
  }

  private inSite(siteId: string, keep: (e: Entry) => boolean): string[] {
    const ids: string[] = [];
    for (const [id, e] of this.bySite.get(siteId) ?? []) if (keep(e)) ids.push(id);
    return ids;
  }

  /** `changed`: told each change of this node's count of an agent (the other nodes hear it). */
  constructor(private readonly changed: (count: AgentCount) => void = () => {}) {}

  /** Returns whether the agent was in the grace period (lost, now back). */
  connected(accountId: string, siteId: string, firstName: string): { wasLost: boolean; first: boolean } {
    let entry = this.agents.get(accountId);
    const existed = entry !== undefined;
    entry ??= newEntry(siteId, firstName, null);
    if (!existed) this.add(accountId, entry);
    const wasLost = existed && total(entry) === 0;
    entry.sockets += 1;
    entry.lostAt = null;
    entry.lostWithNode = false;
    this.changed({ accountId, siteId: entry.siteId, firstName: entry.firstName, sockets: entry.sockets });
    return { wasLost, first: !existed || wasLost };
  }

  /** Returns true when the agent has no socket left on any node (the grace period starts). */
  disconnected(accountId: string, now: number): boolean {
    const entry = this.agents.get(accountId);
    if (!entry) return false;
    entry.sockets = Math.max(0, entry.sockets - 1);
    this.changed({ accountId, siteId: entry.siteId, firstName: entry.firstName, sockets: entry.sockets });
    if (total(entry) > 0) return false;
    entry.lostAt = now;
    entry.lostWithNode = false;
    return true;
  }

  /**
   * Another node's counts: one agent's change, or (`whole`) all of them, any agent left out then
   * having no socket there. Answers the agents this leaves with no socket anywhere.
   */
  fromNode(nodeId: string, counts: AgentCount[], whole: boolean, now: number, nodeGone = false): AgentCount[] {
    const listed = new Set<string>();
    const lost: AgentCount[] = [];
    for (const c of counts) {
      listed.add(c.accountId);
      let entry = this.agents.get(c.accountId);
      if (!entry) {
        if (c.sockets === 0) continue;
        entry = newEntry(c.siteId, c.firstName, null);
        this.add(c.accountId, entry);
      }
      if (this.setElsewhere(entry, nodeId, c.sockets, now, nodeGone)) lost.push({ ...c, sockets: 0 });
    }
    if (whole) {
      for (const [accountId, entry] of this.agents) {
        if (listed.has(accountId) || !entry.elsewhere.has(nodeId)) continue;
        if (this.setElsewhere(entry, nodeId, 0, now, nodeGone))
          lost.push({ accountId, siteId: entry.siteId, firstName: entry.firstName, sockets: 0 });
      }
    }
    return lost;
  }

  /** A node no longer heard from: its sockets are gone. Answers the agents left with none. */
  nodeGone(nodeId: string, now: number): AgentCount[] {
    return this.fromNode(nodeId, [], true, now, true);
  }

  /** This node's own counts, for the other nodes. */
  local(): AgentCount[] {
    return [...this.agents]
      .filter(([, e]) => e.sockets > 0)
      .map(([accountId, e]) => ({ accountId, siteId: e.siteId, firstName: e.firstName, sockets: e.sockets }));
  }

  /** Returns true when the agent is left with no socket anywhere. */
  private setElsewhere(entry: Entry, nodeId: string, sockets: number, now: number, nodeGone = false): boolean {
    const before = total(entry);
    if (sockets > 0) entry.elsewhere.set(nodeId, sockets);
    else entry.elsewhere.delete(nodeId);
    const after = total(entry);
    if (after > 0) {
      entry.lostAt = null;
      entry.lostWithNode = false;
    }
    if (before > 0 && after === 0) {
      entry.lostAt = now;
      entry.lostWithNode = nodeGone;
      return true;
    }
    return false;
  }

  /** After a restart, agents who were joined to a call get the same grace to come back. */
  markLost(accountId: string, siteId: string, firstName: string, now: number): void {
    if (!this.agents.has(accountId)) this.add(accountId, newEntry(siteId, firstName, now));
  }

  /** The agent is gone for good (deactivated): no grace period. */
  forget(accountId: string): void {
    this.remove(accountId);
  }

  isConnected(accountId: string): boolean {
    const entry = this.agents.get(accountId);
    return entry !== undefined && total(entry) > 0;
  }

  /** Connected, or lost less than the grace period ago. */
  isOnline(accountId: string): boolean {
    return this.agents.has(accountId);
  }

  connectedInSite(siteId: string): string[] {
    return this.inSite(siteId, (e) => total(e) > 0);
  }

  /**
   * Connected, or lost with a node that stopped less than the grace period ago: their tablet is on
   * its way to another node through the load balancer (a few seconds), not put away.
   */
  reachableInSite(siteId: string): string[] {
    return this.inSite(siteId, (e) => total(e) > 0 || e.lostWithNode);
  }

  onlineInSite(siteId: string): string[] {
    return this.inSite(siteId, () => true);
  }

  /**
   * Removes and returns the agents whose grace period is over. With several nodes, `handles` says
   * which sites this node acts for: another site's lost agent is left to its node for `slackMs`
   * more (this node would only forget her, and a node taking the site over after a gap in its lease
   * must still find her lost), then forgotten here.
   */
  expire(
    now: number,
    graceMs: number,
    handles: (siteId: string) => boolean = () => true,
    slackMs = 0
  ): { accountId: string; siteId: string; firstName: string }[] {
    const out: { accountId: string; siteId: string; firstName: string }[] = [];
    for (const [accountId, e] of this.agents) {
      if (total(e) > 0 || e.lostAt === null) continue;
      const over = now - e.lostAt >= graceMs;
      if (over && !handles(e.siteId)) {
        if (now - e.lostAt >= graceMs + slackMs) this.remove(accountId);
        continue;
      }
      if (over) {
        this.remove(accountId);
        out.push({ accountId, siteId: e.siteId, firstName: e.firstName });
      }
    }
    return out;
  }
}
