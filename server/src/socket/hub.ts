/**
 * The socket.io hub: authenticates every connection from its credential before anything else,
 * puts it in its site's rooms, tracks terminal presence, and runs each command through the same
 * path — authorise by face, validate with the contract's zod schema, run, ack, then broadcast.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Logger } from 'pino';
import { commands, handshakeAuthSchema, signals, type CommandName, type SignalName } from '../../../shared/contract';
import { AppError, type Ack } from '../../../shared/errors';
import type { AccountIdentity, Identity } from '../../../shared/identity';
import { parseOrThrow } from '../../../shared/validation';
import type { AuthService } from '../auth/auth.service';
import type { Clock } from '../clock';
import { toErrorBody } from '../errors';
import { cookieNames, parseCookies, secureRequest } from '../http/cookies';
import { refusal } from '../http/edge';
import type { Config } from '../config';
import type { TerminalPresence } from '../terminals/terminal-presence';
import type { TerminalsService } from '../terminals/terminals.service';
import type { Limits } from '../config';
import { immediately } from '../events/after';
import { TokenBucket } from '../token-bucket';
import {
  rooms,
  type CommandContext,
  type CommandHandlers,
  type GuichetServer,
  type GuichetSocket,
  type SignalHandlers
} from './types';

export interface HubDeps {
  auth: AuthService;
  terminals: TerminalsService;
  presence: TerminalPresence;
  clock: Clock;
  logger: Logger;
  /** Which handshakes carry `__Host-` prefixed cookies (see secureRequest in cookies.ts). */
  cookieConfig: Pick<Config, 'secureCookies' | 'trustProxy' | 'proxyHeader'>;
  limits: Pick<Limits, 'commandsPerSecond' | 'commandBurst' | 'connectionsPerCredential'>;
  /** Agent tablets coming and going: presence, and getting a joined session back. */
  agentConnected(agent: AccountIdentity, socket: GuichetSocket): void | Promise<void>;
  agentDisconnected(agent: AccountIdentity): void | Promise<void>;
  /** A terminal came online or went offline: told to the staff, coalesced (see the notifier). */
  terminalSeen(siteId: string, terminalId: string): void;
}

export function createSocketServer(httpServer: HttpServer, config: Pick<Config, 'allowedHosts' | 'publicOrigin'>): GuichetServer {
  return new Server(httpServer, {
    // A hall network is small and local: notice a dead tablet or kiosk within ~20 s instead of
    // socket.io's default 45 s, without flooding the network with pings.
    pingInterval: 10_000,
    pingTimeout: 10_000,
    maxHttpBufferSize: 256 * 1024,
    serveClient: false,
    // The edge (http/edge.ts) already refused these; checked again here so the hub stays safe
    // however it is mounted. Browsers always send Origin on a WebSocket handshake: a page of
    // another site, even one rebound to this machine's address, is refused before any credential
    // is read.
    allowRequest: (req, callback) => {
      const refused = refusal(req, config, true);
      callback(refused?.message ?? null, !refused);
    }
  });
}

function authError(
  message: string,
  code: 'unauthenticated' | 'too_many_connections' | 'site_suspended' = 'unauthenticated'
): Error & {
  data: { code: string; message: string };
} {
  const error = new Error(message) as Error & { data: { code: string; message: string } };
  error.data = { code, message };
  return error;
}

/** What one credential's sockets are counted by: the terminal, or the login session. */
function credentialKey(identity: Identity): string {
  return identity.kind === 'terminal' ? `terminal:${identity.terminalId}` : `login:${identity.authSessionId}`;
}

/** Per socket: its buckets, and how many of its commands were refused since it was last told about. */
interface SocketLimits {
  commands: TokenBucket;
  signals: TokenBucket;
  refused: number;
}

export function attachHub(io: GuichetServer, deps: HubDeps, handlers: CommandHandlers, signalHandlers: SignalHandlers): void {
  const { auth, terminals, presence, clock, logger, limits } = deps;
  /** Open sockets per credential: a stolen or looping token cannot open hundreds. */
  const openSockets = new Map<string, number>();
  /** Handshakes refused per credential since it last connected: logged once per burst. */
  const refusedHandshakes = new Map<string, number>();
  const socketLimits = new WeakMap<GuichetSocket, SocketLimits>();

  // Resolving a credential reads the store (and may write: a device token's last use, an expired
  // login removed), so it is awaited; whatever fails refuses the handshake, never the server.
  io.use(async (socket, next) => {
    try {
      await authenticate(socket, next);
    } catch (error) {
      logger.error({ err: error }, 'handshake failed');
      next(authError('The credential could not be checked: try again'));
    }
  });

  async function authenticate(socket: GuichetSocket, next: (err?: Error) => void): Promise<void> {
    const parsed = handshakeAuthSchema.safeParse(socket.handshake.auth);
    if (!parsed.success)
      return next(authError('Handshake must say which face connects: auth.face is kiosk, display, agent or manager'));
    const { face, token } = parsed.data;
    // The handshake's request carries the proxy's headers too: over HTTPS, only `__Host-` names.
    const names = cookieNames(secureRequest(socket.request, deps.cookieConfig));
    const credential = token ?? parseCookies(socket.handshake.headers.cookie)[names.credential[face]];
    let identity: Identity | null;
    if (face === 'kiosk' || face === 'display') {
      const terminal = await terminals.resolve(credential);
      identity = terminal?.role === face ? terminal : null;
    } else {
      identity = await auth.resolve(face, credential);
    }
    if (!identity && credential) {
      // Valid but for a suspended site: said as such, so the terminal or tablet can show why.
      const suspended =
        face === 'kiosk' || face === 'display'
          ? (await terminals.resolve(credential, true))?.role === face
          : (await auth.resolve(face, credential, true)) !== null;
      if (suspended) {
        return next(
          authError(
            'This site is suspended by the service’s operator: connections are refused until it is resumed',
            'site_suspended'
          )
        );
      }
    }
    if (!identity) {
      return next(
        authError(
          credential
            ? `The ${face} credential is not valid (revoked, expired or for another face)`
            : `No ${face} credential: pair this terminal or log in`
        )
      );
    }
    const key = credentialKey(identity);
    const open = openSockets.get(key) ?? 0;
    if (open >= limits.connectionsPerCredential) {
      const refused = (refusedHandshakes.get(key) ?? 0) + 1;
      if (refusedHandshakes.size > 10_000) refusedHandshakes.clear();
      refusedHandshakes.set(key, refused);
      if (refused === 1) logger.warn({ face, open }, 'connections refused: too many sockets for one credential');
      return next(
        authError(
          `This ${face} credential already has ${open} open connections (at most ${limits.connectionsPerCredential}): close one`,
          'too_many_connections'
        )
      );
    }
    socket.data.identity = identity;
    next();
  }

  io.on('connection', (socket: GuichetSocket) => {
    const identity = socket.data.identity;
    // Counted from here (not in the middleware): a handshake dropped before this never connected.
    const key = credentialKey(identity);
    openSockets.set(key, (openSockets.get(key) ?? 0) + 1);
    const refused = refusedHandshakes.get(key);
    if (refused) {
      logger.warn({ role: identity.role, refused }, 'credential connected again after refused connections');
      refusedHandshakes.delete(key);
    }
    socket.on('disconnect', () => {
      const left = (openSockets.get(key) ?? 1) - 1;
      if (left > 0) openSockets.set(key, left);
      else openSockets.delete(key);
    });
    socketLimits.set(socket, {
      commands: new TokenBucket(limits.commandsPerSecond, limits.commandBurst),
      signals: new TokenBucket(limits.commandsPerSecond, limits.commandBurst),
      refused: 0
    });
    void socket.join(rooms.site(identity.siteId));
    if (identity.kind === 'terminal') {
      void socket.join(rooms.terminal(identity.terminalId));
      // The build its page runs is kept on every connection: a reloaded page says its new one.
      const version = handshakeAuthSchema.safeParse(socket.handshake.auth).data?.version;
      if (presence.connected(identity.terminalId) || version) {
        guard('terminal connected', () => announceTerminal(identity.siteId, identity.terminalId, version));
      }
      socket.on('disconnect', () => {
        if (presence.disconnected(identity.terminalId)) {
          guard('terminal disconnected', () => announceTerminal(identity.siteId, identity.terminalId));
        }
      });
    } else {
      void socket.join(rooms.staff(identity.siteId));
      void socket.join(rooms.login(identity.authSessionId));
      if (identity.role === 'agent') {
        void socket.join(rooms.account(identity.accountId));
        guard('agent connected', () => deps.agentConnected(identity, socket));
        socket.on('disconnect', () => guard('agent disconnected', () => deps.agentDisconnected(identity)));
      }
    }

    for (const name of Object.keys(commands) as CommandName[]) {
      socket.on(name, (...args: unknown[]) => void runCommand(socket, name, args));
    }
    for (const name of Object.keys(signals) as SignalName[]) {
      socket.on(name, (payload: unknown) => void runSignal(socket, name, payload));
    }
    socket.onAny((event: string, ...args: unknown[]) => {
      if (Object.hasOwn(commands, event) || Object.hasOwn(signals, event)) return;
      const ack = args.at(-1);
      // Unknown events count like commands: a flood of made-up names is slowed down all the same.
      if (overRate(socket, event, ack)) return;
      if (typeof ack === 'function') {
        (ack as (r: Ack<never>) => void)({ ok: false, error: { code: 'unknown_command', message: `Unknown command ${event}` } });
      }
    });
  });

  /** Runs work started by a connection or a disconnection: a failure is logged, never thrown. */
  function guard(what: string, fn: () => void | Promise<void>): void {
    const failed = (error: unknown) => logger.error({ err: error }, `${what}: failed`);
    try {
      const running = fn();
      if (running) running.catch(failed);
    } catch (error) {
      failed(error);
    }
  }

  /** Signals have no ack: an invalid or unauthorised one is dropped (and logged at debug level). */
  async function runSignal(socket: GuichetSocket, name: SignalName, payload: unknown): Promise<void> {
    const identity = socket.data.identity;
    // Over the limit a signal is dropped; signals have no answer to carry an error.
    if (!socketLimits.get(socket)?.signals.take().ok) return;
    const definition = signals[name];
    if (!(definition.faces as readonly string[]).includes(identity.role)) return;
    const parsed = definition.input.safeParse(payload);
    if (!parsed.success) {
      logger.debug({ signal: name }, 'invalid signal dropped');
      return;
    }
    try {
      await signalHandlers[name](parsed.data, { identity, socket, afterAck: immediately });
    } catch (error) {
      if (!(error instanceof AppError)) logger.error({ err: error, signal: name }, 'signal failed');
    }
  }

  async function announceTerminal(siteId: string, terminalId: string, version?: string): Promise<void> {
    await terminals.markSeen(terminalId, version);
    deps.terminalSeen(siteId, terminalId);
  }

  /**
   * Takes a token from the socket's command bucket; without one, the command is refused with the
   * time to wait (and never run, so sending it again is always safe).
   */
  function overRate(socket: GuichetSocket, name: string, ack: unknown): boolean {
    const limit = socketLimits.get(socket);
    if (!limit) return false;
    const role = socket.data.identity.role;
    const taken = limit.commands.take();
    if (taken.ok) {
      // The flood is over once the client has slowed down enough to refill half its bucket: a
      // token trickling in during the flood does not end it (nor start a new log line).
      if (limit.refused > 0 && limit.commands.level >= 0.5) {
        logger.warn({ role, refused: limit.refused }, 'socket back under its command rate');
        limit.refused = 0;
      }
      return false;
    }
    // One log line per flood, not one per refused command.
    if (limit.refused++ === 0) logger.warn({ command: name, role }, 'socket over its command rate: refusing');
    if (typeof ack === 'function') {
      const message = `Too many commands: at most ${limits.commandBurst} at once, then ${limits.commandsPerSecond} a second; retry in ${taken.retryAfterMs} ms`;
      (ack as (r: Ack<never>) => void)({ ok: false, error: { code: 'rate_limited', message, retryAfterMs: taken.retryAfterMs } });
    }
    return true;
  }

  async function runCommand(socket: GuichetSocket, name: CommandName, args: unknown[]): Promise<void> {
    // socket.io passes the ack last; a command sent without payload has the ack first.
    const ack = args.at(-1);
    const identity = socket.data.identity;
    // Before anything else, and cheap: a flood costs one subtraction per command, not a zod parse.
    if (overRate(socket, name, ack)) return;
    if (typeof ack !== 'function') {
      logger.warn({ command: name }, 'command without acknowledgement callback ignored');
      return;
    }
    const payload = args.length > 1 ? args[0] : undefined;
    const pending: (() => void)[] = [];
    let expired = false;
    let result: Ack<unknown>;
    try {
      if (identity.kind === 'account' && identity.expiresAt <= clock.now().toISOString()) {
        // Answer first, then close: the client must learn why its command was refused.
        expired = true;
        throw new AppError('unauthenticated', 'Your login has expired: log in again');
      }
      const definition = commands[name];
      if (!(definition.faces as readonly string[]).includes(identity.role)) {
        throw new AppError('forbidden', `A ${identity.role} cannot send ${name}`);
      }
      const input = parseOrThrow(definition.input, payload === undefined ? {} : payload, `${name} payload`);
      const ctx: CommandContext = { identity, socket, afterAck: (fn) => pending.push(fn) };
      const handler = handlers[name] as (input: unknown, ctx: CommandContext) => unknown;
      result = { ok: true, data: await handler(input, ctx) };
    } catch (error) {
      pending.length = 0;
      result = { ok: false, error: toErrorBody(error, logger, { command: name, role: identity.role }) };
    }
    (ack as (r: Ack<unknown>) => void)(result);
    if (expired) {
      socket.emit('credential:revoked', { reason: 'expired' });
      socket.disconnect(true);
      return;
    }
    const failed = (error: unknown) => logger.error({ err: error, command: name }, 'broadcast after ack failed');
    for (const fn of pending) {
      try {
        // A broadcast that reads the store first answers with a promise: its failure is logged too.
        const sending: unknown = fn();
        if (sending instanceof Promise) sending.catch(failed);
      } catch (error) {
        failed(error);
      }
    }
  }
}
