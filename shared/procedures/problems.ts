/**
 * What can be wrong in a procedure file, as codes with their details, so the console can say it in
 * the manager's language. `message` (English) stays for the server's log and the command line.
 *
 * Zod's own issues are turned into codes here; the schema's own checks name their code in the
 * issue's `params.problem`.
 */
import type { z } from 'zod';

const problemCodes = [
  'yaml',
  /** Reading the file took longer than the server allows (e.g. an anchor and alias bomb). */
  'too_complex',
  'duplicate_key',
  'required',
  'type',
  'unknown_field',
  'one_of',
  'empty_text',
  'french_required',
  'language_code',
  'id_format',
  'min_items',
  'max_items',
  'min_number',
  'max_number',
  'max_length',
  'integer',
  'condition',
  'duplicate_step',
  'duplicate_document',
  'duplicate_choice',
  'review_not_last',
  'last_not_review',
  'review_condition',
  'not_earlier_question',
  'compare_yes_no',
  'compare_number',
  'not_a_choice',
  'use_includes',
  'one_of_needs_one_choice',
  'includes_needs_several',
  'other'
] as const;
export type ProblemCode = (typeof problemCodes)[number];

export interface ProcedureProblem {
  /** Dotted path inside the file, e.g. `steps.3.when.question`; `(file)` for the whole file. */
  path: string;
  /** 1-based line in the file, when it can be located. */
  line: number | null;
  code: ProblemCode;
  /** The details the sentence needs (an id, the values allowed…), as text. */
  params: Record<string, string>;
  /** The same problem in English, for logs and the command line. */
  message: string;
}

/** The params a schema check attaches to its issue: its code and the details. */
export function problemParams(problem: ProblemCode, details: Record<string, string | number> = {}) {
  return { problem, ...Object.fromEntries(Object.entries(details).map(([k, v]) => [k, String(v)])) };
}

/**
 * One zod issue as a problem's code and params. `present` tells whether the file has a value at the
 * issue's path: a wrong type on a missing value means the field is missing. (Unknown fields are
 * split into one problem each by the parser.)
 */
export function classifyIssue(issue: z.core.$ZodIssue, present: boolean): Pick<ProcedureProblem, 'code' | 'params'> {
  const last = issue.path.at(-1);
  switch (issue.code) {
    case 'custom': {
      const { problem, ...params } = (issue.params ?? {}) as Record<string, string>;
      return (problemCodes as readonly string[]).includes(problem ?? '')
        ? { code: problem as ProblemCode, params }
        : { code: 'other', params: {} };
    }
    case 'invalid_type':
      if (!present) return { code: last === 'fr' ? 'french_required' : 'required', params: {} };
      if (issue.expected === 'int') return { code: 'integer', params: {} };
      return { code: 'type', params: { expected: issue.expected } };
    case 'invalid_value':
      return { code: 'one_of', params: { values: issue.values.map(String).join(', ') } };
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options))
        return { code: 'one_of', params: { values: issue.options.map(String).join(', ') } };
      return { code: 'condition', params: {} };
    case 'invalid_format':
      return issue.format === 'regex' ? { code: 'id_format', params: {} } : { code: 'other', params: {} };
    case 'too_small':
      if (issue.origin === 'string') return { code: last === 'fr' ? 'french_required' : 'empty_text', params: {} };
      if (issue.origin === 'array') return { code: 'min_items', params: { minimum: String(issue.minimum) } };
      return { code: 'min_number', params: { minimum: String(issue.minimum) } };
    case 'too_big':
      if (issue.origin === 'string') return { code: 'max_length', params: { maximum: String(issue.maximum) } };
      if (issue.origin === 'array') return { code: 'max_items', params: { maximum: String(issue.maximum) } };
      return { code: 'max_number', params: { maximum: String(issue.maximum) } };
    default:
      return { code: 'other', params: {} };
  }
}
