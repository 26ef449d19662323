/**
 * Focus after a screen change (WCAG 2.4.3): when a screen replaces another, the control that had
 * focus is gone and focus falls to <body>, so a screen reader says nothing and a keyboard starts
 * over at the top. The new screen's heading takes focus instead (it carries tabindex="-1"), and
 * the page scrolls only if that heading is out of view, and then only as far as needed.
 */
export function focusHeading(heading: HTMLElement | null | undefined): void {
  if (!heading) return;
  heading.focus({ preventScroll: true });
  const box = heading.getBoundingClientRect();
  if (box.top < 0 || box.bottom > window.innerHeight) heading.scrollIntoView({ block: 'nearest' });
}
