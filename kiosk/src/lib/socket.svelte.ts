/**
 * The typed socket.io client for one face, over the shared contract, and its connection state as
 * reactive state. Commands always carry a timeout: never wait forever for an ack.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, CommandInput, CommandName, CommandResults, ServerToClientEvents } from '$shared/contract';
import type { Ack } from '$shared/errors';
import type { Face } from '$shared/identity';
import { buildVersion } from './build-version';

export type GuichetClient = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ConnectionStatus = 'connecting' | 'online' | 'offline';

const commandTimeoutMs = 8_000;

export class Connection {
  status = $state<ConnectionStatus>('connecting');
  /** Set when the server revoked this face's credential: the page must show pairing or login again. */
  revoked = $state(false);
  readonly socket: GuichetClient;

  constructor(face: Face) {
    // Pages are also rendered on the server, where there is nowhere to connect to: a socket made
    // there would retry forever inside the server process. It connects only in the browser.
    this.socket = io({
      // The page's build: a kiosk or display running an old one is flagged in the console.
      auth: { face, version: buildVersion },
      transports: ['websocket', 'polling'],
      withCredentials: true,
      autoConnect: typeof window !== 'undefined'
    });
    this.socket.on('connect', () => (this.status = 'online'));
    this.socket.on('disconnect', () => (this.status = 'offline'));
    this.socket.on('connect_error', (err) => {
      this.status = 'offline';
      const data = (err as Error & { data?: { code?: string } }).data;
      if (data?.code === 'unauthenticated') {
        this.revoked = true;
        this.socket.disconnect();
      }
    });
    this.socket.on('credential:revoked', () => {
      this.revoked = true;
    });
  }

  async command<K extends CommandName>(name: K, payload: CommandInput<K>): Promise<Ack<CommandResults[K]>> {
    try {
      const withTimeout = this.socket.timeout(commandTimeoutMs);
      // socket.io cannot infer the ack type through the generic K; the contract types both ends.
      const emit = withTimeout.emitWithAck as unknown as (event: K, payload: CommandInput<K>) => Promise<Ack<CommandResults[K]>>;
      return await emit.call(withTimeout, name, payload);
    } catch {
      return { ok: false, error: { code: 'internal', message: 'No answer from the server in time' } };
    }
  }

  close(): void {
    this.socket.disconnect();
  }
}
