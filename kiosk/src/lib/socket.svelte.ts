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
/** A command refused for going too fast is sent again after the wait the server gives, a few times. */
const rateLimitRetries = 3;
const longestRetryWaitMs = 5_000;
/** Refused for too many connections (old ones not yet noticed as gone): try again after this. */
const reconnectAfterRefusalMs = 10_000;

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
      } else if (data?.code === 'too_many_connections') {
        // socket.io does not retry a handshake the server refused; the server forgets dead sockets
        // within ~20 s, so this page gets its place back.
        setTimeout(() => {
          if (!this.revoked) this.socket.connect();
        }, reconnectAfterRefusalMs);
      }
    });
    this.socket.on('credential:revoked', () => {
      this.revoked = true;
    });
  }

  /**
   * Sends a command and resolves with its ack. A command refused as `rate_limited` never ran, so
   * it is sent again after the server's wait (unless `retry: false`: the caller resends itself).
   */
  async command<K extends CommandName>(
    name: K,
    payload: CommandInput<K>,
    { retry = true }: { retry?: boolean } = {}
  ): Promise<Ack<CommandResults[K]>> {
    for (let attempt = 0; ; attempt++) {
      const ack = await this.send(name, payload);
      const wait = !ack.ok && ack.error.code === 'rate_limited' ? (ack.error.retryAfterMs ?? 1000) : null;
      if (!retry || wait === null || wait > longestRetryWaitMs || attempt >= rateLimitRetries) return ack;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private async send<K extends CommandName>(name: K, payload: CommandInput<K>): Promise<Ack<CommandResults[K]>> {
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
