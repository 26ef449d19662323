import type { PageLoad } from './$types';

/**
 * A paired kiosk and a kiosk waiting to be paired run different programs: only the one this page
 * shows is loaded (before the page is shown, so nothing pops in), and the kiosk's first load does
 * not carry the pairing screen.
 */
export const load: PageLoad = async ({ parent }) => {
  const { terminal } = await parent();
  return {
    screen:
      terminal?.role === 'kiosk'
        ? { kind: 'kiosk' as const, component: (await import('$lib/kiosk/KioskApp.svelte')).default }
        : { kind: 'pairing' as const, component: (await import('$lib/components/PairingScreen.svelte')).default }
  };
};
