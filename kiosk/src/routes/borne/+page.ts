import type { PageLoad } from './$types';

/**
 * The pairing screen, only for a kiosk waiting to be paired: loaded before the page is shown (so
 * nothing pops in), and left out of a paired kiosk's first load.
 */
export const load: PageLoad = async ({ parent }) => {
  const { terminal } = await parent();
  return {
    PairingScreen: terminal?.role === 'kiosk' ? null : (await import('$lib/components/PairingScreen.svelte')).default
  };
};
