/**
 * Pairing a kiosk or display: the unpaired terminal asks for a short code (and keeps a secret in a
 * cookie), a logged-in manager enters the code, and on its next poll the terminal receives its
 * device token. Codes expire, are claimed once, and their token is delivered once.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import type { TerminalKind } from '../../../shared/identity';
import type { PairingStatus, TerminalView } from '../../../shared/schemas/terminal';
import { hashToken, newToken } from '../auth/tokens';
import type { Clock } from '../clock';
import type { Store } from '../store';
import type { TerminalsService } from '../terminals/terminals.service';
import { newPairingCode } from './pairing-code';
import { TokenBucket } from '../token-bucket';

export interface PairingPoll {
  status: PairingStatus;
  /** Set once, on the poll that completes the pairing: the terminal's new device token. */
  deviceToken?: string;
}

export type PairingService = ReturnType<typeof createPairingService>;

export function createPairingService({
  store,
  clock,
  terminals,
  pairingMinutes,
  limits,
  generateCode = newPairingCode
}: {
  store: Store;
  clock: Clock;
  terminals: TerminalsService;
  pairingMinutes: number;
  /**
   * Anyone on the hall network may ask for a code, so asking is bounded: `perMinute` new requests
   * per client address, and `pendingMax` open requests in all (a manager pairs a few terminals at a
   * time; a flood would otherwise fill the table and the code space). None when not given.
   */
  limits?: { perMinute: number; pendingMax: number };
  generateCode?: () => string;
}) {
  const nowIso = () => clock.now().toISOString();
  const perAddress = new Map<string, TokenBucket>();

  function throttle(address: string): void {
    if (!limits) return;
    // Forgetting every address now and then keeps the map small; it only ever forgives.
    if (perAddress.size > 10_000) perAddress.clear();
    let bucket = perAddress.get(address);
    if (!bucket) {
      bucket = new TokenBucket(limits.perMinute / 60, limits.perMinute, () => clock.now().getTime());
      perAddress.set(address, bucket);
    }
    const taken = bucket.take();
    if (!taken.ok) {
      throw new AppError(
        'rate_limited',
        `Too many pairing requests from this address (at most ${limits.perMinute} a minute): retry in ${Math.ceil(taken.retryAfterMs / 1000)} s`,
        undefined,
        { retryAfterMs: taken.retryAfterMs }
      );
    }
  }

  async function assertRoom(): Promise<void> {
    if (!limits) return;
    const now = clock.now();
    const { count, firstExpiresAt } = await store.pairings.pending(now.toISOString());
    if (count < limits.pendingMax) return;
    const retryAfterMs = firstExpiresAt ? Math.max(1000, Date.parse(firstExpiresAt) - now.getTime()) : 60_000;
    throw new AppError(
      'rate_limited',
      `${count} pairing requests are already waiting for a manager (at most ${limits.pendingMax}): retry when one expires`,
      undefined,
      { retryAfterMs }
    );
  }

  async function uniqueCode(): Promise<string> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const code = generateCode();
      if (!(await store.pairings.findOpenByCode(code, nowIso()))) return code;
    }
    throw new Error('Could not find a free pairing code after 20 attempts');
  }

  return {
    /** Starts a pairing, or returns the one this terminal already has while it is still open. */
    async start(
      kind: TerminalKind,
      existingSecret: string | undefined,
      address = 'local'
    ): Promise<{ secret: string; status: PairingStatus }> {
      if (existingSecret) {
        const current = await store.pairings.findBySecretHash(hashToken(existingSecret));
        if (current && !current.claimedAt && current.kind === kind && current.expiresAt > nowIso()) {
          return { secret: existingSecret, status: { state: 'waiting', code: current.code, kind, expiresAt: current.expiresAt } };
        }
      }
      await store.pairings.purgeExpired(nowIso());
      // Counted, given a free code and inserted in one transaction: requests arriving together
      // can neither exceed the open requests' ceiling nor get the same code.
      return store.transaction(async () => {
        await store.pairings.lockRequests();
        // Only a new request counts: a reloaded page that still has its code gets it back above.
        await assertRoom();
        throttle(address);
        const secret = newToken();
        const now = clock.now();
        const expiresAt = new Date(now.getTime() + pairingMinutes * 60_000).toISOString();
        const code = await uniqueCode();
        await store.pairings.insert({
          id: randomUUID(),
          secretHash: hashToken(secret),
          code,
          kind,
          createdAt: now.toISOString(),
          expiresAt
        });
        return { secret, status: { state: 'waiting' as const, code, kind, expiresAt } };
      });
    },

    /** What the terminal sees when it polls with its pairing secret. */
    async poll(secret: string | undefined): Promise<PairingPoll> {
      if (!secret) return { status: { state: 'none' } };
      const pairing = await store.pairings.findBySecretHash(hashToken(secret));
      if (!pairing) return { status: { state: 'none' } };
      if (pairing.claimedAt && pairing.terminalId) {
        const terminalId = pairing.terminalId;
        const deviceToken = await store.transaction(async () =>
          (await store.pairings.markDelivered(pairing.id, nowIso())) ? terminals.mintToken(terminalId) : null
        );
        if (!deviceToken) return { status: { state: 'expired' } };
        const terminal = await store.terminals.findById(terminalId);
        return { status: { state: 'paired', terminalName: terminal?.name ?? '' }, deviceToken };
      }
      if (pairing.expiresAt <= nowIso()) return { status: { state: 'expired' } };
      return { status: { state: 'waiting', code: pairing.code, kind: pairing.kind, expiresAt: pairing.expiresAt } };
    },

    /** A manager enters the code shown on a terminal: the terminal joins the manager's site (`siteId`). */
    async claim(siteId: string, input: { code: string; name: string; location: string }): Promise<TerminalView> {
      const pairing = await store.pairings.findOpenByCode(input.code, nowIso());
      if (!pairing) {
        throw new AppError(
          'pairing_code_invalid',
          `No terminal is waiting with code ${input.code}: check the code on its screen, it may have expired`,
          [{ path: 'code', message: 'unknown or expired code' }]
        );
      }
      const terminal = await store.transaction(async () => {
        const created = await terminals.create(siteId, pairing.kind, input.name, input.location);
        if (!(await store.pairings.claim(pairing.id, created.id, nowIso()))) {
          // Another manager claimed it a moment earlier: undo by throwing inside the transaction.
          throw new AppError('pairing_code_invalid', `Code ${input.code} was just used`, [
            { path: 'code', message: 'already used' }
          ]);
        }
        return created;
      });
      return terminals.view(terminal);
    }
  };
}
