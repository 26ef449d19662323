/**
 * Turns the operations a kiosk or an agent sends into changes the server accepts, checked against
 * the procedure: a step that exists, an answer of the right kind (a choice among the choices, a
 * number for a number…). Incomplete answers are fine here (the citizen is typing); whether an answer
 * is *acceptable* to move on stays with the kiosk's "Suivant".
 */
import { AppError, type ErrorIssue } from '../../../shared/errors';
import type { Procedure, Step } from '../../../shared/procedures/schema';
import type { AnswerValueT, SessionChange, SessionOp, SessionState } from '../../../shared/schemas/session';
import { applyChange } from '../../../shared/session/apply';

/** How a session finds its procedures, within its own site. */
export interface ProcedureLookup {
  /** A stored version, published or not: what a session that opened it keeps using to the end. */
  version(procedureId: string, version: number): Procedure | undefined;
  /** The version the kiosks offer now: what opening a procedure opens. */
  published(procedureId: string): Procedure | undefined;
}

/** The version of its procedure a session uses, if it has one open. */
export function procedureOf(state: SessionState, procedures: ProcedureLookup): Procedure | undefined {
  return state.procedureId && state.procedureVersion !== null
    ? procedures.version(state.procedureId, state.procedureVersion)
    : undefined;
}

export interface OpsContext {
  procedures: ProcedureLookup;
  /** The agent's first name when an agent sends; null from the kiosk. */
  agentName: string | null;
  now: string;
  newId(): string;
}

function shapeProblem(step: Step, value: AnswerValueT): string | null {
  if (step.kind === 'documents') {
    if (typeof value !== 'object' || Array.isArray(value)) return 'a documents checklist answer is { documentId: true|false }';
    const ids = new Set(step.documents.map((d) => d.id));
    const unknown = Object.keys(value).find((k) => !ids.has(k));
    return unknown ? `"${unknown}" is not a document of step "${step.id}"` : null;
  }
  if (step.kind !== 'question') return `step "${step.id}" is not a question`;
  switch (step.type) {
    case 'short_text':
    case 'long_text':
      if (typeof value !== 'string') return 'a text answer is a string';
      return value.length > step.maxLength ? `at most ${step.maxLength} characters` : null;
    case 'date':
      return typeof value === 'string' && value.length <= 10 ? null : 'a date answer is a string YYYY-MM-DD (or its start)';
    case 'number':
      return typeof value === 'number' ? null : 'a number answer is a number';
    case 'yes_no':
      return typeof value === 'boolean' ? null : 'a yes/no answer is true or false';
    case 'one_choice':
      return typeof value === 'string' && step.choices.some((c) => c.id === value) ? null : `not a choice of "${step.id}"`;
    case 'multi_choice':
      return Array.isArray(value) && value.every((v) => step.choices.some((c) => c.id === v))
        ? null
        : `every answer must be a choice of "${step.id}"`;
  }
}

function sensitiveSteps(procedure: Procedure | undefined): Set<string> {
  return new Set(procedure?.steps.filter((s) => s.kind === 'question' && s.sensitive).map((s) => s.id) ?? []);
}

/** Validates every op against the state as the earlier ops leave it; throws naming the op and field. */
export function opsToChanges(state: SessionState, ops: readonly SessionOp[], ctx: OpsContext): SessionChange[] {
  const changes: SessionChange[] = [];
  let current = state;
  ops.forEach((op, index) => {
    const fail = (field: string, message: string): never => {
      const issue: ErrorIssue = { path: `ops.${index}${field ? `.${field}` : ''}`, message };
      throw new AppError('invalid_payload', `session:patch payload: ${issue.path}: ${message}`, [issue]);
    };
    const procedure = procedureOf(current, ctx.procedures);
    const step = (stepId: string): Step =>
      procedure?.steps.find((s) => s.id === stepId) ??
      fail('stepId', procedure ? `no step "${stepId}" in procedure "${procedure.id}"` : 'no procedure is open');
    let change: SessionChange;
    switch (op.op) {
      case 'locale':
      case 'catalog':
      case 'finish':
        if (op.op === 'finish' && !procedure) fail('', 'no procedure is open');
        change = op;
        break;
      case 'open': {
        const opened = ctx.procedures.published(op.procedureId) ?? fail('procedureId', `no procedure "${op.procedureId}"`);
        change = { op: 'open', procedureId: opened.id, version: opened.version, stepId: opened.steps[0]?.id ?? null };
        break;
      }
      case 'goto':
        step(op.stepId);
        change = { op: 'goto', stepId: op.stepId, returnToReview: op.returnToReview };
        break;
      case 'answer': {
        const target = step(op.stepId);
        if (op.value !== null) {
          const problem = shapeProblem(target, op.value);
          if (problem) fail('value', problem);
        }
        change = { op: 'answer', stepId: op.stepId, value: op.value };
        break;
      }
      case 'note':
        if (!ctx.agentName) throw new AppError('forbidden', 'Only an agent adds notes to a session');
        change = { op: 'note', note: { id: ctx.newId(), text: op.text, by: ctx.agentName, at: ctx.now } };
        break;
    }
    changes.push(change);
    current = applyChange(current, change);
  });
  return changes;
}

/** What a tablet may see of a change: sensitive answers exist and are filled, their values stay on the kiosk. */
export function changesForAgents(
  changes: readonly SessionChange[],
  state: SessionState,
  procedures: ProcedureLookup
): readonly SessionChange[] {
  let current = state;
  let withheld = false;
  const out = changes.map((change) => {
    const sensitive = sensitiveSteps(procedureOf(current, procedures));
    current = applyChange(current, change);
    if (change.op === 'answer' && change.value !== null && sensitive.has(change.stepId)) {
      withheld = true;
      return { op: 'answer', stepId: change.stepId, value: null, withheld: true } satisfies SessionChange;
    }
    return change;
  });
  // The same array when nothing is withheld: the broadcast is then encoded once for both sides.
  return withheld ? out : changes;
}

export function stateForAgents(state: SessionState, procedures: ProcedureLookup): SessionState {
  const sensitive = sensitiveSteps(procedureOf(state, procedures));
  if (sensitive.size === 0) return state;
  const answers = { ...state.answers };
  const withheld: string[] = [];
  for (const stepId of sensitive) {
    if (stepId in answers) {
      delete answers[stepId];
      withheld.push(stepId);
    }
  }
  return { ...state, answers, withheld };
}
