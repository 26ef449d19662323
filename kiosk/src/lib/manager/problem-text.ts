/**
 * A procedure file's problem in the console's language. The server sends each problem's code and
 * details; the English `message` is only shown for a code this console does not know.
 */
import { m } from '../paraglide/messages';
import type { ProblemCode, ProcedureProblem } from '$shared/procedures/problems';

type Params = Record<string, string>;

const expectedTypes: Record<string, () => string> = {
  string: () => m.procedure_type_string(),
  number: () => m.procedure_type_number(),
  boolean: () => m.procedure_type_boolean(),
  object: () => m.procedure_type_object(),
  array: () => m.procedure_type_array()
};

const texts: Record<ProblemCode, (p: Params, message: string) => string> = {
  yaml: () => m.procedure_problem_yaml(),
  too_complex: () => m.procedure_problem_too_complex(),
  duplicate_key: () => m.procedure_problem_duplicate_key(),
  required: () => m.procedure_problem_required(),
  type: (p) => m.procedure_problem_type({ expected: expectedTypes[p.expected ?? '']?.() ?? p.expected ?? '' }),
  unknown_field: (p) => m.procedure_problem_unknown_field({ field: p.field ?? '' }),
  one_of: (p) => m.procedure_problem_one_of({ values: p.values ?? '' }),
  empty_text: () => m.procedure_problem_empty_text(),
  french_required: () => m.procedure_problem_french_required(),
  language_code: (p) => m.procedure_problem_language_code({ key: p.key ?? '' }),
  id_format: () => m.procedure_problem_id_format(),
  min_items: (p) => m.procedure_problem_min_items({ minimum: p.minimum ?? '' }),
  max_items: (p) => m.procedure_problem_max_items({ maximum: p.maximum ?? '' }),
  min_number: (p) => m.procedure_problem_min_number({ minimum: p.minimum ?? '' }),
  max_number: (p) => m.procedure_problem_max_number({ maximum: p.maximum ?? '' }),
  max_length: (p) => m.procedure_problem_max_length({ maximum: p.maximum ?? '' }),
  integer: () => m.procedure_problem_integer(),
  condition: () => m.procedure_problem_condition(),
  duplicate_step: (p) => m.procedure_problem_duplicate_step({ id: p.id ?? '', other: p.other ?? '' }),
  duplicate_document: (p) => m.procedure_problem_duplicate_document({ id: p.id ?? '' }),
  duplicate_choice: (p) => m.procedure_problem_duplicate_choice({ id: p.id ?? '' }),
  review_not_last: () => m.procedure_problem_review_not_last(),
  last_not_review: () => m.procedure_problem_last_not_review(),
  review_condition: () => m.procedure_problem_review_condition(),
  not_earlier_question: (p) => m.procedure_problem_not_earlier_question({ question: p.question ?? '' }),
  compare_yes_no: (p) => m.procedure_problem_compare_yes_no({ question: p.question ?? '' }),
  compare_number: (p) => m.procedure_problem_compare_number({ question: p.question ?? '' }),
  not_a_choice: (p) => m.procedure_problem_not_a_choice({ value: p.value ?? '', question: p.question ?? '' }),
  use_includes: (p) => m.procedure_problem_use_includes({ question: p.question ?? '' }),
  one_of_needs_one_choice: (p) => m.procedure_problem_one_of_needs_one_choice({ question: p.question ?? '' }),
  includes_needs_several: (p) => m.procedure_problem_includes_needs_several({ question: p.question ?? '' }),
  other: (_p, message) => m.procedure_problem_other({ message })
};

export function problemText(problem: Pick<ProcedureProblem, 'code' | 'params' | 'message'>): string {
  const text = texts[problem.code];
  return text ? text(problem.params ?? {}, problem.message) : problem.message;
}
