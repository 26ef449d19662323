/**
 * The procedure format: what a town hall writes to describe one procedure on the kiosk. Checked
 * at start-up and on import; a file that does not match is refused with the path of each problem.
 *
 * By design the format has no way to submit anything: the last step is always a review, and the
 * kiosk ends every procedure with "check with an agent" or "print and go to the counter"
 * (principle 3). Unknown keys are refused, so a "submit" field cannot slip in.
 */
import { z } from '../zod';
import { problemParams, type ProblemCode } from './problems';

const localeKey = /^[a-z]{2}(-[A-Z]{2})?$/;

/** A text in several languages; French is required, the kiosk falls back to it. */
export const localizedText = z
  .object({ fr: z.string().trim().min(1, 'French text is required') })
  .catchall(z.string().trim().min(1))
  .superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (!localeKey.test(key))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `"${key}" is not a language code such as fr, en or ar`,
          params: problemParams('language_code', { key })
        });
    }
  });
export type LocalizedText = z.infer<typeof localizedText>;

const pictograms = [
  'id-card',
  'passport',
  'certificate',
  'family',
  'ballot',
  'census',
  'home',
  'help-hand',
  'documents',
  'info',
  'calendar',
  'person'
] as const;
const pictogramSchema = z.enum(pictograms);
export type Pictogram = z.infer<typeof pictogramSchema>;

const id = z.string().regex(/^[a-z][a-z0-9-]{0,47}$/, 'lower-case letters, digits and dashes, starting with a letter');

/** A condition on an earlier answer. */
export type Condition =
  | { question: string; equals: string | number | boolean }
  | { question: string; oneOf: string[] }
  | { question: string; includes: string }
  | { question: string; answered: boolean }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ question: id, equals: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
    z.object({ question: id, oneOf: z.array(z.string()).min(1) }).strict(),
    z.object({ question: id, includes: z.string() }).strict(),
    z.object({ question: id, answered: z.boolean() }).strict(),
    z.object({ all: z.array(conditionSchema).min(1) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1) }).strict(),
    z.object({ not: conditionSchema }).strict()
  ])
);

const choice = z.object({ id, label: localizedText }).strict();

const stepBase = {
  id,
  /** Shown only when the condition on earlier answers holds. */
  when: conditionSchema.optional()
};

const questionBase = {
  ...stepBase,
  kind: z.literal('question'),
  label: localizedText,
  help: localizedText.optional(),
  required: z.boolean().default(true),
  /** Never read aloud, never shown on an agent's tablet, marked on the kiosk (principle 7). */
  sensitive: z.boolean().default(false)
};

export const questionStepSchema = z.discriminatedUnion('type', [
  z.object({ ...questionBase, type: z.literal('short_text'), maxLength: z.number().int().min(1).max(200).default(100) }).strict(),
  z
    .object({ ...questionBase, type: z.literal('long_text'), maxLength: z.number().int().min(1).max(2000).default(1000) })
    .strict(),
  z.object({ ...questionBase, type: z.literal('date'), range: z.enum(['past', 'future', 'any']).default('any') }).strict(),
  z
    .object({
      ...questionBase,
      type: z.literal('number'),
      min: z.number().optional(),
      max: z.number().optional(),
      integer: z.boolean().default(true)
    })
    .strict(),
  z.object({ ...questionBase, type: z.literal('one_choice'), choices: z.array(choice).min(2) }).strict(),
  z
    .object({
      ...questionBase,
      type: z.literal('multi_choice'),
      choices: z.array(choice).min(2),
      minSelected: z.number().int().min(0).optional(),
      maxSelected: z.number().int().min(1).optional()
    })
    .strict(),
  z.object({ ...questionBase, type: z.literal('yes_no') }).strict()
]);
export type QuestionStep = z.infer<typeof questionStepSchema>;

const explanationStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('explanation'),
    title: localizedText,
    body: localizedText,
    pictogram: pictogramSchema.optional()
  })
  .strict();
export type ExplanationStep = z.infer<typeof explanationStepSchema>;

const documentItem = z
  .object({ id, label: localizedText, help: localizedText.optional(), when: conditionSchema.optional() })
  .strict();

const documentsStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('documents'),
    title: localizedText,
    intro: localizedText.optional(),
    documents: z.array(documentItem).min(1)
  })
  .strict();
export type DocumentsStep = z.infer<typeof documentsStepSchema>;

const reviewStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('review'),
    title: localizedText,
    /** What happens next and where to go: printed on the summary too. */
    nextSteps: localizedText
  })
  .strict();
export type ReviewStep = z.infer<typeof reviewStepSchema>;

// Steps are told apart by `kind`, question steps then by `type`, so errors name the exact field.
const stepSchema = z.discriminatedUnion('kind', [
  explanationStepSchema,
  questionStepSchema,
  documentsStepSchema,
  reviewStepSchema
]);
export type Step = z.infer<typeof stepSchema>;

export const procedureSchema = z
  .object({
    id,
    version: z.number().int().min(1),
    title: localizedText,
    summary: localizedText,
    pictogram: pictogramSchema,
    /** The queue (service) that handles this procedure at the counter. */
    service: id,
    /** Go to an agent straight away (e.g. social help): the kiosk offers the call first. */
    agentFirst: z.boolean().default(false),
    steps: z.array(stepSchema).min(1)
  })
  .strict()
  .superRefine(checkStructure);
export type Procedure = z.infer<typeof procedureSchema>;

function checkStructure(procedure: { steps: Step[] }, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  procedure.steps.forEach((step, index) => {
    if (seen.has(step.id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['steps', index, 'id'],
        message: `duplicate step id "${step.id}" (also step ${seen.get(step.id)})`,
        params: problemParams('duplicate_step', { id: step.id, other: seen.get(step.id)! })
      });
    }
    seen.set(step.id, index);
    const earlier = new Map(procedure.steps.slice(0, index).map((s) => [s.id, s]));
    if (step.when) checkCondition(step.when, earlier, ctx, ['steps', index, 'when']);
    if (step.kind === 'documents') {
      const ids = new Set<string>();
      step.documents.forEach((doc, d) => {
        if (ids.has(doc.id))
          ctx.addIssue({
            code: 'custom',
            path: ['steps', index, 'documents', d, 'id'],
            message: `duplicate document id "${doc.id}"`,
            params: problemParams('duplicate_document', { id: doc.id })
          });
        ids.add(doc.id);
        if (doc.when) checkCondition(doc.when, earlier, ctx, ['steps', index, 'documents', d, 'when']);
      });
    }
    if (step.kind === 'question' && (step.type === 'one_choice' || step.type === 'multi_choice')) {
      const ids = new Set<string>();
      step.choices.forEach((c, ci) => {
        if (ids.has(c.id))
          ctx.addIssue({
            code: 'custom',
            path: ['steps', index, 'choices', ci, 'id'],
            message: `duplicate choice id "${c.id}"`,
            params: problemParams('duplicate_choice', { id: c.id })
          });
        ids.add(c.id);
      });
    }
    if (step.kind === 'review' && index !== procedure.steps.length - 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['steps', index, 'kind'],
        message: 'the review must be the last step, and there is only one',
        params: problemParams('review_not_last')
      });
    }
  });
  const last = procedure.steps.at(-1);
  if (last && last.kind !== 'review') {
    ctx.addIssue({
      code: 'custom',
      path: ['steps', procedure.steps.length - 1, 'kind'],
      message: 'the last step must be a review (a procedure ends with an agent or at the counter)',
      params: problemParams('last_not_review')
    });
  }
  if (last?.when) {
    ctx.addIssue({
      code: 'custom',
      path: ['steps', procedure.steps.length - 1, 'when'],
      message: 'the review is always shown: it cannot have a condition',
      params: problemParams('review_condition')
    });
  }
}

function checkCondition(condition: Condition, earlier: Map<string, Step>, ctx: z.RefinementCtx, path: (string | number)[]): void {
  if ('all' in condition) return condition.all.forEach((c, i) => checkCondition(c, earlier, ctx, [...path, 'all', i]));
  if ('any' in condition) return condition.any.forEach((c, i) => checkCondition(c, earlier, ctx, [...path, 'any', i]));
  if ('not' in condition) return checkCondition(condition.not, earlier, ctx, [...path, 'not']);
  const target = earlier.get(condition.question);
  if (!target || target.kind !== 'question') {
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'question'],
      message: `"${condition.question}" is not an earlier question`,
      params: problemParams('not_earlier_question', { question: condition.question })
    });
    return;
  }
  const choiceIds = target.type === 'one_choice' || target.type === 'multi_choice' ? target.choices.map((c) => c.id) : null;
  const question = target.id;
  const bad = (key: string, message: string, problem: ProblemCode, details: Record<string, string> = {}) =>
    ctx.addIssue({ code: 'custom', path: [...path, key], message, params: problemParams(problem, { question, ...details }) });
  const notAChoice = (key: string, value: string) =>
    bad(key, `"${value}" is not a choice of "${question}"`, 'not_a_choice', { value });
  if ('equals' in condition) {
    const v = condition.equals;
    if (target.type === 'yes_no' && typeof v !== 'boolean')
      bad('equals', `"${question}" is a yes/no question: compare with true or false`, 'compare_yes_no');
    else if (target.type === 'number' && typeof v !== 'number')
      bad('equals', `"${question}" is a number question: compare with a number`, 'compare_number');
    else if (target.type === 'one_choice' && !choiceIds!.includes(String(v))) notAChoice('equals', String(v));
    else if (target.type === 'multi_choice') bad('equals', `"${question}" has several answers: use includes`, 'use_includes');
  } else if ('oneOf' in condition) {
    if (target.type !== 'one_choice')
      bad('oneOf', `oneOf needs a one-choice question; "${question}" is ${target.type}`, 'one_of_needs_one_choice');
    else for (const v of condition.oneOf) if (!choiceIds!.includes(v)) notAChoice('oneOf', v);
  } else if ('includes' in condition) {
    if (target.type !== 'multi_choice')
      bad('includes', `includes needs a several-choices question; "${question}" is ${target.type}`, 'includes_needs_several');
    else if (!choiceIds!.includes(condition.includes)) notAChoice('includes', condition.includes);
  }
}
