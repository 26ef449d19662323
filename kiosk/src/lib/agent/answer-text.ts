/**
 * An answer as words, for the agent's overview of a joined session: the same reading the kiosk's
 * review gives (choice labels, yes/no, a date as day/month/year).
 */
import { m } from '$lib/paraglide/messages';
import { localize, type AnswerValue } from '$shared/procedures/answers';
import type { QuestionStep } from '$shared/procedures/schema';

export function answerText(step: QuestionStep, value: AnswerValue, locale: string): string {
  switch (step.type) {
    case 'yes_no':
      return value ? m.answer_yes() : m.answer_no();
    case 'one_choice':
      return localize(step.choices.find((c) => c.id === value)?.label, locale);
    case 'multi_choice':
      return (value as string[]).map((v) => localize(step.choices.find((c) => c.id === v)?.label, locale)).join(', ');
    case 'date': {
      const [y, mo, d] = String(value).split('-');
      return `${d}/${mo}/${y}`;
    }
    default:
      return String(value);
  }
}
