/**
 * Agents' tablets across nodes: each node tells the others its count of each agent's sockets when
 * it changes, and all of them every `heartbeatMs` (which also says the node is alive). A node not
 * heard from for `silenceMs` has stopped: its sockets are gone, and the agents who had theirs only
 * there start their grace period, as after any dropped tablet.
 *
 * Carried by the socket.io adapter's server-side events (over PostgreSQL's NOTIFY): messages of
 * one node may arrive out of order, so each carries an increasing number and an older one is
 * dropped.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { AgentConnections, AgentCount } from '../agents/agent-connections';
import type { GuichetServer } from '../socket/types';

export interface AgentSyncTimes {
  heartbeatMs: number;
  silenceMs: number;
}

const defaultAgentSyncTimes: AgentSyncTimes = { heartbeatMs: 2000, silenceMs: 6000 };

export interface AgentSync {
  /** Give to `new AgentConnections(…)`: this node's changes go to the others. */
  changed(count: AgentCount): void;
  /** Starts listening and telling, with the connections `changed` was given to. */
  start(connections: AgentConnections): void;
  close(): void;
}

export function createAgentSync({
  io,
  nodeId,
  logger,
  clockMs,
  nodeLost,
  times = defaultAgentSyncTimes
}: {
  io: GuichetServer;
  nodeId: string;
  logger: Logger;
  /** The time a grace period counts from (the application's clock). */
  clockMs: () => number;
  /** Agents left with no socket anywhere because the node that had them stopped. */
  nodeLost: (agents: AgentCount[]) => void;
  times?: AgentSyncTimes;
}): AgentSync {
  // Starts from the time, so a node restarted under the same name is not taken for its old self.
  let seq = Date.now() * 1000;
  const lastSeq = new Map<string, number>();
  const lastHeard = new Map<string, number>();
  let connections: AgentConnections | null = null;
  let timer: NodeJS.Timeout | null = null;

  const send = (whole: boolean, agents: AgentCount[]) => io.serverSideEmit('node:agents', { nodeId, seq: ++seq, whole, agents });

  function heartbeat(): void {
    if (!connections) return;
    send(true, connections.local());
    const now = performance.now();
    for (const [node, heard] of lastHeard) {
      if (now - heard < times.silenceMs) continue;
      lastHeard.delete(node);
      lastSeq.delete(node);
      logger.warn({ node }, 'node no longer heard from: its tablets are taken as dropped');
      const lost = connections.nodeGone(node, clockMs());
      if (lost.length > 0) nodeLost(lost);
    }
  }

  return {
    changed(count) {
      if (connections) send(false, [count]);
    },
    start(c) {
      connections = c;
      io.on('node:agents', (message) => {
        if (message.nodeId === nodeId || !connections) return;
        if (message.seq <= (lastSeq.get(message.nodeId) ?? 0)) return;
        lastSeq.set(message.nodeId, message.seq);
        lastHeard.set(message.nodeId, performance.now());
        connections.fromNode(message.nodeId, message.agents, message.whole, clockMs());
      });
      io.on('node:hello', (message) => {
        if (message.nodeId !== nodeId && connections) send(true, connections.local());
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
