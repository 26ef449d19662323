/** Server-side types over the one socket contract in shared/. */
import type { Server, Socket } from 'socket.io';
import type {
  ClientToServerEvents,
  CommandName,
  CommandPayload,
  CommandResults,
  InterServerEvents,
  ServerToClientEvents,
  SignalName,
  SocketData,
  signals
} from '../../../shared/contract';
import type { z } from 'zod';
import type { Identity } from '../../../shared/identity';
import type { After } from '../events/after';

export type GuichetServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type GuichetSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface CommandContext {
  identity: Identity;
  socket: GuichetSocket;
  /** Runs after the ack is sent: broadcasts go here, so the sender hears "done" first. */
  afterAck: After;
}

type CommandHandler<K extends CommandName> = (
  input: CommandPayload<K>,
  ctx: CommandContext
) => CommandResults[K] | Promise<CommandResults[K]>;

export type CommandHandlers = { [K in CommandName]: CommandHandler<K> };

export type SignalHandlers = {
  [K in SignalName]: (input: z.output<(typeof signals)[K]['input']>, ctx: CommandContext) => void | Promise<void>;
};

/** Room names, in one place. */
export const rooms = {
  site: (siteId: string) => `site:${siteId}`,
  staff: (siteId: string) => `site:${siteId}:staff`,
  terminal: (terminalId: string) => `terminal:${terminalId}`,
  login: (authSessionId: string) => `login:${authSessionId}`,
  /** Every tablet an agent is logged in on: rings and "your session closed" go here. */
  account: (accountId: string) => `account:${accountId}`,
  /** The agents joined to a kiosk session (the kiosk itself is reached by its terminal room). */
  session: (sessionId: string) => `session:${sessionId}`
};
