/**
 * The citizen's session on the kiosk: which screen, which procedure, which step, the answers.
 * Held in memory only (never in local storage), so the inactivity wipe leaves nothing behind.
 * `reset()` is the one privacy reset: answers, language, text size, contrast and speech.
 */
import { answerProblem, visibleSteps, type AnswerValue, type Answers, type AnswerProblem } from '$shared/procedures/answers';
import type { Procedure, Step } from '$shared/procedures/schema';

export type Screen = 'idle' | 'catalog' | 'step' | 'end';
export type TextSize = 0 | 1 | 2;

export class KioskSession {
  screen = $state<Screen>('idle');
  procedure = $state<Procedure | null>(null);
  answers = $state<Answers>({});
  /** Index in the currently visible steps. */
  index = $state(0);
  /** Set when the citizen came from the review to change one answer: "Suivant" goes back there. */
  returnToReview = $state(false);
  problem = $state<AnswerProblem | null>(null);
  textSize = $state<TextSize>(0);
  highContrast = $state(false);

  readonly steps = $derived(this.procedure ? visibleSteps(this.procedure, this.answers) : []);
  readonly step = $derived<Step | null>(this.steps[this.index] ?? null);

  start(): void {
    this.screen = 'catalog';
  }

  open(procedure: Procedure): void {
    this.procedure = procedure;
    this.answers = {};
    this.index = 0;
    this.problem = null;
    this.returnToReview = false;
    this.screen = 'step';
  }

  answer(stepId: string, value: AnswerValue | undefined): void {
    const next = { ...this.answers };
    if (value === undefined) delete next[stepId];
    else next[stepId] = value;
    this.answers = next;
    this.problem = null;
  }

  /** Moves on when the current answer is acceptable; otherwise says why (shown and spoken). */
  next(today: string): void {
    const step = this.step;
    if (!step) return;
    if (step.kind === 'question') {
      const problem = answerProblem(step, this.answers[step.id], today);
      if (problem) {
        this.problem = problem;
        return;
      }
    }
    this.problem = null;
    if (this.returnToReview) {
      this.returnToReview = false;
      this.index = this.steps.length - 1;
      return;
    }
    if (this.index < this.steps.length - 1) this.index += 1;
  }

  back(): void {
    this.problem = null;
    this.returnToReview = false;
    if (this.index > 0) this.index -= 1;
    else this.screen = 'catalog';
  }

  /** From the review: change one answer, then come straight back. */
  edit(stepId: string): void {
    const i = this.steps.findIndex((s) => s.id === stepId);
    if (i < 0) return;
    this.index = i;
    this.returnToReview = true;
    this.problem = null;
  }

  finish(): void {
    this.screen = 'end';
  }

  reset(): void {
    this.screen = 'idle';
    this.procedure = null;
    this.answers = {};
    this.index = 0;
    this.problem = null;
    this.returnToReview = false;
    this.textSize = 0;
    this.highContrast = false;
  }
}
