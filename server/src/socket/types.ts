/** Server-side types over the one socket contract in shared/. */
import type { Server, Socket } from 'socket.io';
import type {
  ClientToServerEvents,
  CommandName,
  CommandPayload,
  CommandResults,
  InterServerEvents,
  ServerToClientEvents,
  SocketData
} from '../../../shared/contract';
import type { Identity } from '../../../shared/identity';

export type GuichetServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type GuichetSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface CommandContext {
  identity: Identity;
  socket: GuichetSocket;
  /** Runs after the ack is sent: broadcasts go here, so the sender hears "done" first. */
  afterAck(fn: () => void): void;
}

export type CommandHandler<K extends CommandName> = (
  input: CommandPayload<K>,
  ctx: CommandContext
) => CommandResults[K] | Promise<CommandResults[K]>;

export type CommandHandlers = { [K in CommandName]: CommandHandler<K> };

/** Room names, in one place. */
export const rooms = {
  site: (siteId: string) => `site:${siteId}`,
  staff: (siteId: string) => `site:${siteId}:staff`,
  terminal: (terminalId: string) => `terminal:${terminalId}`,
  login: (authSessionId: string) => `login:${authSessionId}`
};
