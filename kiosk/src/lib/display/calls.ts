/**
 * The hall display's memory of calls, as plain functions: which calls it shows and which ones are
 * new enough to be announced. A call is known by its `seq`, which the server increases with each
 * announcement, so the same call is never announced twice, while a recall (a new `seq`) is.
 */
import type { CallView } from '$shared/schemas/queue';

/** Earlier calls shown under the current one. */
const historySize = 5;
/** Calls kept in memory: enough to fill the history once recalls of the same ticket are folded. */
const keptCalls = 20;
/** Seqs remembered to recognise a call already seen. */
const keptSeqs = 200;
/** After a reconnect, at most this many calls missed meanwhile are announced (the newest ones). */
const maxMissedAnnounced = 3;

export interface CallLog {
  /** Newest first. */
  calls: CallView[];
  /** Every seq already shown (announced or caught up silently). */
  seen: Set<number>;
  /** False until the first `display:state` answer: before it, the log knows nothing of the past. */
  synced: boolean;
}

export function emptyLog(): CallLog {
  return { calls: [], seen: new Set(), synced: false };
}

function newestFirst(calls: CallView[]): CallView[] {
  const bySeq = new Map<number, CallView>();
  for (const call of calls) if (!bySeq.has(call.seq)) bySeq.set(call.seq, call);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq).slice(0, keptCalls);
}

function remember(seen: Set<number>, seqs: number[]): Set<number> {
  const next = new Set([...seen, ...seqs]);
  if (next.size <= keptSeqs) return next;
  return new Set([...next].sort((a, b) => a - b).slice(-keptSeqs));
}

/**
 * A call pushed live (`queue:called`). Returns the log and the call when it is new, or null when
 * it was already seen (a duplicate delivery, or a call the catch-up already brought).
 */
export function receiveCall(log: CallLog, call: CallView): { log: CallLog; fresh: CallView | null } {
  if (log.seen.has(call.seq)) return { log, fresh: null };
  return {
    log: { calls: newestFirst([call, ...log.calls]), seen: remember(log.seen, [call.seq]), synced: log.synced },
    fresh: call
  };
}

/**
 * The server's recent calls after a connect or reconnect. On the first load they are the past:
 * shown, never announced. After a reconnect, the calls missed while offline are announced when
 * `announceMissed` is true (a short outage), oldest first, at most `maxMissedAnnounced`.
 * If the server's newest seq is below what this display has seen, the server's count started
 * again (a restart with an empty memory): its list replaces the display's.
 */
export function catchUp(
  log: CallLog,
  recent: CallView[],
  options: { announceMissed: boolean }
): { log: CallLog; fresh: CallView[] } {
  const serverNewest = Math.max(0, ...recent.map((c) => c.seq));
  const localNewest = Math.max(0, ...log.seen);
  const restarted = log.synced && serverNewest < localNewest;
  const base: CallLog = restarted ? emptyLog() : log;
  const missed = recent.filter((c) => !base.seen.has(c.seq)).sort((a, b) => a.seq - b.seq);
  const fresh = log.synced && !restarted && options.announceMissed ? missed.slice(-maxMissedAnnounced) : [];
  return {
    log: {
      calls: newestFirst([...recent, ...base.calls]),
      seen: remember(
        base.seen,
        recent.map((c) => c.seq)
      ),
      synced: true
    },
    fresh
  };
}

/**
 * The calls under the current one: one line per ticket (a recall does not show the ticket twice),
 * leaving out the current ticket.
 */
export function historyOf(calls: CallView[]): CallView[] {
  const [current, ...rest] = calls;
  if (!current) return [];
  const shown = new Set([current.ticketId]);
  const history: CallView[] = [];
  for (const call of rest) {
    if (shown.has(call.ticketId)) continue;
    shown.add(call.ticketId);
    history.push(call);
    if (history.length === historySize) break;
  }
  return history;
}

/**
 * How a ticket is said aloud: the letter, then the number without its leading zeros
 * (« T-042 » → « T » and « 42 »), so the voice says "T 42" rather than "T minus zero forty-two".
 */
export function spokenTicket(label: string): { letter: string; number: string } {
  const match = /^([A-Za-z]*)\W*0*(\d+)$/.exec(label.trim());
  if (!match) return { letter: '', number: label };
  return { letter: match[1]!.toUpperCase(), number: match[2]! };
}
