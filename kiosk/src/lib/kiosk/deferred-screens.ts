/**
 * The screens a citizen reaches only after touching the kiosk (a procedure's steps and end, the
 * list of services, a ticket), loaded apart from the idle screen: the kiosk's first load stays
 * small (the 80 KB budget), and the first touch starts loading them, so they are there when needed.
 */
type Screens = typeof import('./deferred-screens-bundle');

let loading: Promise<Screens> | null = null;

export function deferredScreens(): Promise<Screens> {
  loading ??= load();
  return loading;
}

async function load(): Promise<Screens> {
  for (;;) {
    try {
      return await import('./deferred-screens-bundle');
    } catch {
      // A kiosk left running while the server was updated asks for files of its old build, which
      // are gone: a fresh page has the new ones, and the session (held by the server) resumes.
      // With the server out of reach, try again a little later.
      if (await serverReachable()) {
        window.location.reload();
        return new Promise<Screens>(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }
}

async function serverReachable(): Promise<boolean> {
  try {
    return (await fetch('/healthz', { cache: 'no-store' })).ok;
  } catch {
    return false;
  }
}

if (typeof document !== 'undefined') {
  const start = () => void deferredScreens();
  for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, start, { once: true, capture: true });
}
