/** What `deferred-screens.ts` loads, as one file. */
export { default as StepScreen } from './StepScreen.svelte';
export { default as EndScreen } from './EndScreen.svelte';
export { default as ServicePicker } from './ServicePicker.svelte';
export { default as TicketPanel } from './TicketPanel.svelte';
