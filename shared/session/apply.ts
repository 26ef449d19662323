/**
 * Applying a server-validated change to a session state. The server, the kiosk and the tablet all
 * use this one function, so the three copies of a session cannot drift apart.
 */
import type { Procedure } from '../procedures/schema';
import type { SessionChange, SessionOp, SessionState } from '../schemas/session';

/** A session as it starts: on the catalog, in the citizen's language, with nothing answered. */
export function newSessionState(start: Pick<SessionState, 'id' | 'reference' | 'locale' | 'startedAt'>): SessionState {
  return {
    ...start,
    version: 0,
    status: 'active',
    screen: 'catalog',
    procedureId: null,
    procedureVersion: null,
    stepId: null,
    returnToReview: false,
    answers: {},
    withheld: [],
    notes: [],
    agent: null,
    call: null
  };
}

export function applyChange(state: SessionState, change: SessionChange): SessionState {
  switch (change.op) {
    case 'locale':
      return { ...state, locale: change.locale };
    case 'catalog':
      return {
        ...state,
        screen: 'catalog',
        procedureId: null,
        procedureVersion: null,
        stepId: null,
        returnToReview: false,
        answers: {},
        withheld: []
      };
    case 'open':
      return {
        ...state,
        screen: 'step',
        procedureId: change.procedureId,
        procedureVersion: change.version,
        stepId: change.stepId,
        returnToReview: false,
        answers: {},
        withheld: []
      };
    case 'goto':
      return { ...state, screen: 'step', stepId: change.stepId, returnToReview: change.returnToReview };
    case 'answer': {
      const answers = { ...state.answers };
      delete answers[change.stepId];
      let withheld = state.withheld.filter((s) => s !== change.stepId);
      if (change.withheld) withheld = [...withheld, change.stepId];
      else if (change.value !== null) answers[change.stepId] = change.value;
      return { ...state, answers, withheld };
    }
    case 'finish':
      return { ...state, screen: 'end', returnToReview: false };
    case 'note':
      return { ...state, notes: [...state.notes, change.note] };
    case 'agent':
      return { ...state, agent: change.agent };
    case 'call':
      return { ...state, call: change.call };
    case 'ended':
      return { ...state, status: 'ended' };
  }
}

export function applyChanges(state: SessionState, changes: readonly SessionChange[], version: number): SessionState {
  return { ...changes.reduce(applyChange, state), version };
}

/**
 * What a client shows at once for the operations it sends, before the server confirms them.
 * Notes wait for the server (it gives them their id and time); so does opening a procedure this
 * client does not know (the server will say which version it is, or refuse).
 */
export function optimisticChanges(
  ops: readonly SessionOp[],
  publishedOf: (procedureId: string) => Pick<Procedure, 'version' | 'steps'> | undefined
): SessionChange[] {
  const out: SessionChange[] = [];
  for (const op of ops) {
    if (op.op === 'note') continue;
    if (op.op === 'open') {
      const procedure = publishedOf(op.procedureId);
      const stepId = procedure?.steps[0]?.id ?? null;
      if (procedure) out.push({ op: 'open', procedureId: op.procedureId, version: procedure.version, stepId });
    } else if (op.op === 'goto') out.push({ op: 'goto', stepId: op.stepId, returnToReview: op.returnToReview ?? false });
    else out.push(op);
  }
  return out;
}
