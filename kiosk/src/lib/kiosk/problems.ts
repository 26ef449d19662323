/** The sentence shown (and spoken) when an answer cannot be accepted: what is wrong and how to fix it. */
import { m } from '$lib/paraglide/messages';
import type { AnswerProblem } from '$shared/procedures/answers';

const texts: Record<AnswerProblem, () => string> = {
  required: m.problem_required,
  too_long: m.problem_too_long,
  not_a_number: m.problem_not_a_number,
  not_whole: m.problem_not_whole,
  too_small: m.problem_too_small,
  too_large: m.problem_too_large,
  invalid_date: m.problem_invalid_date,
  date_in_future: m.problem_date_in_future,
  date_in_past: m.problem_date_in_past,
  unknown_choice: m.problem_unknown_choice,
  too_few_choices: m.problem_too_few_choices,
  too_many_choices: m.problem_too_many_choices,
  wrong_type: m.problem_required
};

export function problemText(problem: AnswerProblem): string {
  return texts[problem]();
}
