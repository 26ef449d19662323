/**
 * Which terminals have at least one live socket right now. Kept in memory: presence is not history.
 * With several nodes each counts its own sockets and is told the others' (`cluster/presence-sync.ts`):
 * a kiosk is online while any node has a socket of it.
 */
export interface TerminalCount {
  terminalId: string;
  /** Sockets of the terminal on the node that tells it. */
  sockets: number;
}

interface Entry {
  here: number;
  elsewhere: Map<string, number>;
}

const total = (e: Entry) => [...e.elsewhere.values()].reduce((n, c) => n + c, e.here);

export class TerminalPresence {
  private readonly terminals = new Map<string, Entry>();

  /** `changed`: told each change of this node's count of a terminal (the other nodes hear it). */
  constructor(private readonly changed: (count: TerminalCount) => void = () => {}) {}

  private entry(terminalId: string): Entry {
    let e = this.terminals.get(terminalId);
    if (!e) {
      e = { here: 0, elsewhere: new Map() };
      this.terminals.set(terminalId, e);
    }
    return e;
  }

  private prune(terminalId: string, e: Entry): void {
    if (total(e) === 0) this.terminals.delete(terminalId);
  }

  /** Returns true when this is the terminal's first live socket, on any node. */
  connected(terminalId: string): boolean {
    const e = this.entry(terminalId);
    const first = total(e) === 0;
    e.here += 1;
    this.changed({ terminalId, sockets: e.here });
    return first;
  }

  /** Returns true when the terminal has no live socket left, on any node. */
  disconnected(terminalId: string): boolean {
    const e = this.terminals.get(terminalId);
    if (!e) return true;
    e.here = Math.max(0, e.here - 1);
    this.changed({ terminalId, sockets: e.here });
    this.prune(terminalId, e);
    return total(e) === 0;
  }

  /** Another node's counts: one terminal's change, or (`whole`) all of them. */
  fromNode(nodeId: string, counts: TerminalCount[], whole: boolean): void {
    const listed = new Set<string>();
    for (const c of counts) {
      listed.add(c.terminalId);
      const e = this.entry(c.terminalId);
      if (c.sockets > 0) e.elsewhere.set(nodeId, c.sockets);
      else e.elsewhere.delete(nodeId);
      this.prune(c.terminalId, e);
    }
    if (!whole) return;
    for (const [terminalId, e] of this.terminals) {
      if (listed.has(terminalId) || !e.elsewhere.delete(nodeId)) continue;
      this.prune(terminalId, e);
    }
  }

  /** A node no longer heard from: its sockets are gone. */
  nodeGone(nodeId: string): void {
    this.fromNode(nodeId, [], true);
  }

  /** This node's own counts, for the other nodes. */
  local(): TerminalCount[] {
    return [...this.terminals].filter(([, e]) => e.here > 0).map(([terminalId, e]) => ({ terminalId, sockets: e.here }));
  }

  isOnline(terminalId: string): boolean {
    return this.terminals.has(terminalId);
  }

  onlineIds(): string[] {
    return [...this.terminals.keys()];
  }
}
