/**
 * Which ticket a counter calls next. Within a service, a waiting priority ticket goes once
 * `priorityEvery` regular tickets went since the last priority one (or when no regular ticket
 * waits): priority tickets are never stuck behind a long regular queue, and regular tickets are
 * never stuck behind a stream of priority ones. Across the services a counter calls from, the
 * chosen tickets compete by how long they have waited.
 */
export interface Candidate {
  id: string;
  queuedAt: string;
  number: number;
}

export interface ServiceHeads<T extends Candidate> {
  service: string;
  regular: T | null;
  priority: T | null;
  /** Regular tickets called since the last priority one, in this service. */
  regularStreak: number;
}

export interface Pick<T extends Candidate> {
  service: string;
  ticket: T;
  priority: boolean;
}

export function pickInService<T extends Candidate>(heads: ServiceHeads<T>, priorityEvery: number): Pick<T> | null {
  if (heads.priority && (!heads.regular || heads.regularStreak >= priorityEvery)) {
    return { service: heads.service, ticket: heads.priority, priority: true };
  }
  if (heads.regular) return { service: heads.service, ticket: heads.regular, priority: false };
  return null;
}

export function pickNext<T extends Candidate>(all: ServiceHeads<T>[], priorityEvery: number): Pick<T> | null {
  let best: Pick<T> | null = null;
  for (const heads of all) {
    const pick = pickInService(heads, priorityEvery);
    if (!pick) continue;
    if (
      !best ||
      pick.ticket.queuedAt < best.ticket.queuedAt ||
      (pick.ticket.queuedAt === best.ticket.queuedAt && pick.ticket.number < best.ticket.number)
    ) {
      best = pick;
    }
  }
  return best;
}

/** The rule's memory after a call: back to 0 after a priority ticket, one more after a regular one. */
export function nextStreak(streak: number, calledPriority: boolean): number {
  return calledPriority ? 0 : streak + 1;
}
