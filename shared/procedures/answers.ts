/**
 * Answers to a procedure and the rules both the kiosk and the agent's tablet apply to them:
 * which steps are shown, which documents are asked for, whether an answer is acceptable.
 */
import type { Condition, DocumentsStep, LocalizedText, Procedure, QuestionStep, Step } from './schema';

/** Documents checklist: document id → true "I have it", false "I don't". */
export type DocumentsAnswer = Record<string, boolean>;
export type AnswerValue = string | number | boolean | string[] | DocumentsAnswer;
export type Answers = Record<string, AnswerValue>;

export function localize(text: LocalizedText | undefined, locale: string): string {
  if (!text) return '';
  return text[locale] ?? text.fr;
}

export function conditionHolds(condition: Condition, answers: Answers): boolean {
  if ('all' in condition) return condition.all.every((c) => conditionHolds(c, answers));
  if ('any' in condition) return condition.any.some((c) => conditionHolds(c, answers));
  if ('not' in condition) return !conditionHolds(condition.not, answers);
  const value = answers[condition.question];
  if ('answered' in condition) return (value !== undefined && value !== '') === condition.answered;
  if (value === undefined) return false;
  if ('equals' in condition) return value === condition.equals;
  if ('oneOf' in condition) return typeof value === 'string' && condition.oneOf.includes(value);
  return Array.isArray(value) && value.includes(condition.includes);
}

/**
 * The steps shown for these answers, in order. An answer given on a step that is now hidden
 * (the citizen went back and changed an earlier answer) no longer counts for later conditions.
 */
export function visibleSteps(procedure: Procedure, answers: Answers): Step[] {
  const effective: Answers = {};
  const shown: Step[] = [];
  for (const step of procedure.steps) {
    if (step.when && !conditionHolds(step.when, effective)) continue;
    shown.push(step);
    const value = answers[step.id];
    if (value !== undefined) effective[step.id] = value;
  }
  return shown;
}

/** Only the answers of steps that are shown: what a summary or an agent may see. */
export function effectiveAnswers(procedure: Procedure, answers: Answers): Answers {
  const out: Answers = {};
  for (const step of visibleSteps(procedure, answers)) {
    const value = answers[step.id];
    if (value !== undefined) out[step.id] = value;
  }
  return out;
}

export function visibleDocuments(step: DocumentsStep, answers: Answers): DocumentsStep['documents'] {
  return step.documents.filter((d) => !d.when || conditionHolds(d.when, answers));
}

export type AnswerProblem =
  | 'required'
  | 'too_long'
  | 'not_a_number'
  | 'not_whole'
  | 'too_small'
  | 'too_large'
  | 'invalid_date'
  | 'date_in_future'
  | 'date_in_past'
  | 'unknown_choice'
  | 'too_few_choices'
  | 'too_many_choices'
  | 'wrong_type';

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

function isRealDate(value: string): boolean {
  if (!isoDate.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

function isEmpty(value: AnswerValue | undefined): boolean {
  return value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/** Why an answer cannot be accepted, or null. `today` is the site's date (YYYY-MM-DD). */
export function answerProblem(step: QuestionStep, value: AnswerValue | undefined, today: string): AnswerProblem | null {
  if (isEmpty(value)) return step.required ? 'required' : null;
  switch (step.type) {
    case 'short_text':
    case 'long_text':
      if (typeof value !== 'string') return 'wrong_type';
      return value.trim().length === 0 ? (step.required ? 'required' : null) : value.length > step.maxLength ? 'too_long' : null;
    case 'number':
      if (typeof value !== 'number' || Number.isNaN(value)) return 'not_a_number';
      if (step.integer && !Number.isInteger(value)) return 'not_whole';
      if (step.min !== undefined && value < step.min) return 'too_small';
      if (step.max !== undefined && value > step.max) return 'too_large';
      return null;
    case 'date':
      if (typeof value !== 'string' || !isRealDate(value)) return 'invalid_date';
      if (step.range === 'past' && value > today) return 'date_in_future';
      if (step.range === 'future' && value < today) return 'date_in_past';
      return null;
    case 'yes_no':
      return typeof value === 'boolean' ? null : 'wrong_type';
    case 'one_choice':
      return typeof value === 'string' && step.choices.some((c) => c.id === value) ? null : 'unknown_choice';
    case 'multi_choice': {
      if (!Array.isArray(value)) return 'wrong_type';
      if (value.some((v) => !step.choices.some((c) => c.id === v))) return 'unknown_choice';
      if (step.minSelected !== undefined && value.length < step.minSelected) return 'too_few_choices';
      if (step.maxSelected !== undefined && value.length > step.maxSelected) return 'too_many_choices';
      return null;
    }
  }
}

/** The words that name a step: a question's label, otherwise its title. */
export function stepHeading(step: Step): LocalizedText {
  return step.kind === 'question' ? step.label : step.title;
}
