/**
 * Arrow keys in a group of answer buttons drawn as radios (role="radiogroup" of role="radio"), as
 * the WAI-ARIA radio pattern has them: Down and Right go to the next answer, Up and Left to the
 * previous one (Left and Right follow the reading direction), wrapping at the ends; Home and End
 * go to the first and last. Moving chooses the answer, as a native radio does. Only the chosen
 * answer (or the first, when none is) is in the Tab order: the group is one stop.
 */

/** The index the key moves to among `count` radios, or null for a key the group leaves alone. */
export function radioKeyTarget(key: string, index: number, count: number, rtl: boolean): number | null {
  if (count === 0) return null;
  const forward = rtl ? 'ArrowLeft' : 'ArrowRight';
  const backward = rtl ? 'ArrowRight' : 'ArrowLeft';
  if (key === 'ArrowDown' || key === forward) return (index + 1) % count;
  if (key === 'ArrowUp' || key === backward) return (index - 1 + count) % count;
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return null;
}

/** The tabindex of one radio: 0 for the chosen one (the first when none is), -1 for the others. */
export function radioTabIndex(checked: boolean, index: number, noneChecked: boolean): 0 | -1 {
  return checked || (noneChecked && index === 0) ? 0 : -1;
}

/** The group's keydown handler: chooses and focuses the radio the key leads to. */
export function onRadioKeydown(event: KeyboardEvent & { currentTarget: HTMLElement }): void {
  const radios = Array.from(event.currentTarget.querySelectorAll<HTMLElement>('[role="radio"]'));
  const index = radios.indexOf(event.target as HTMLElement);
  if (index < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
  const rtl = getComputedStyle(event.currentTarget).direction === 'rtl';
  const target = radios[radioKeyTarget(event.key, index, radios.length, rtl) ?? -1];
  if (!target) return;
  event.preventDefault();
  target.click();
  target.focus();
}
