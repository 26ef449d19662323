/**
 * Who is connected, across nodes: each node tells the others its count of each agent's tablet
 * sockets and each terminal's sockets when one changes, that it is alive every `heartbeatMs`, and
 * all its counts every `wholeEvery` heartbeats (and to a node that starts), which mends anything
 * a dropped connection to the database made a node miss. The whole list of a large hall is tens of
 * kilobytes, which the adapter carries through a table: not every 2 s. A node not heard from for `silenceMs` has stopped: its sockets are
 * gone, and the agents who had theirs only there start their grace period, as after any dropped
 * tablet.
 *
 * Carried by the socket.io adapter's server-side events (over PostgreSQL's NOTIFY): messages of
 * one node may arrive out of order, so each carries an increasing number and an older one is
 * dropped.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { AgentConnections, AgentCount } from '../agents/agent-connections';
import type { TerminalCount, TerminalPresence } from '../terminals/terminal-presence';
import type { GuichetServer } from '../socket/types';

interface PresenceSyncTimes {
  heartbeatMs: number;
  silenceMs: number;
  wholeEvery: number;
}

const defaultTimes: PresenceSyncTimes = { heartbeatMs: 2000, silenceMs: 6000, wholeEvery: 15 };

export interface PresenceSync {
  /** Give to `new AgentConnections(…)`: this node's changes go to the others. */
  agentChanged(count: AgentCount): void;
  /** Give to `new TerminalPresence(…)`. */
  terminalChanged(count: TerminalCount): void;
  /** Starts listening and telling, with the counts the two callbacks were given to. */
  start(counts: { agents: AgentConnections; terminals: TerminalPresence }): void;
  close(): void;
}

export function createPresenceSync({
  io,
  nodeId,
  logger,
  clockMs,
  nodeLost,
  agentsHeard = () => {},
  times = defaultTimes
}: {
  io: GuichetServer;
  nodeId: string;
  logger: Logger;
  /** The time a grace period counts from (the application's clock). */
  clockMs: () => number;
  /** Agents left with no socket anywhere because the node that had them stopped. */
  nodeLost: (agents: AgentCount[]) => void;
  /** Agents with a tablet on another node, as each message tells: a call may ring them from here. */
  agentsHeard?: (accountIds: string[]) => void;
  times?: PresenceSyncTimes;
}): PresenceSync {
  // Starts from the time, so a node restarted under the same name is not taken for its old self.
  let seq = Date.now() * 1000;
  const lastSeq = new Map<string, number>();
  const lastHeard = new Map<string, number>();
  let counts: { agents: AgentConnections; terminals: TerminalPresence } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let beats = 0;

  const send = (whole: boolean, agents: AgentCount[], terminals: TerminalCount[]) =>
    io.serverSideEmit('node:presence', { nodeId, seq: ++seq, whole, agents, terminals });
  const sendWhole = () => {
    if (counts) send(true, counts.agents.local(), counts.terminals.local());
  };

  function heartbeat(): void {
    if (!counts) return;
    if (++beats % times.wholeEvery === 0) sendWhole();
    else send(false, [], []);
    const now = performance.now();
    for (const [node, heard] of lastHeard) {
      if (now - heard < times.silenceMs) continue;
      lastHeard.delete(node);
      lastSeq.delete(node);
      logger.warn({ node }, 'node no longer heard from: its tablets and terminals are taken as dropped');
      counts.terminals.nodeGone(node);
      const lost = counts.agents.nodeGone(node, clockMs());
      if (lost.length > 0) nodeLost(lost);
    }
  }

  return {
    agentChanged(count) {
      if (counts) send(false, [count], []);
    },
    terminalChanged(count) {
      if (counts) send(false, [], [count]);
    },
    start(c) {
      counts = c;
      io.on('node:presence', (message) => {
        if (message.nodeId === nodeId || !counts) return;
        if (message.seq <= (lastSeq.get(message.nodeId) ?? 0)) return;
        lastSeq.set(message.nodeId, message.seq);
        lastHeard.set(message.nodeId, performance.now());
        counts.agents.fromNode(message.nodeId, message.agents, message.whole, clockMs());
        counts.terminals.fromNode(message.nodeId, message.terminals, message.whole);
        const heard = message.agents.filter((a) => a.sockets > 0).map((a) => a.accountId);
        if (heard.length > 0) agentsHeard(heard);
      });
      io.on('node:hello', (message) => {
        if (message.nodeId !== nodeId) sendWhole();
      });
      io.serverSideEmit('node:hello', { nodeId });
      timer = setInterval(heartbeat, times.heartbeatMs);
      timer.unref();
    },
    close() {
      if (timer) clearInterval(timer);
      timer = null;
    }
  };
}
