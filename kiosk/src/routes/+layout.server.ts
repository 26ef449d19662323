import { getRequestContext } from '$shared/request-context';
import type { LayoutServerLoad } from './$types';

/**
 * What the Guichet server resolved about this request: who is there for each face. Only what the
 * pages show is passed on; credentials and session ids stay on the server.
 */
export const load: LayoutServerLoad = ({ platform }) => {
  const context = getRequestContext(platform?.req);
  const account = (a: NonNullable<typeof context>['agent']) => (a ? { firstName: a.firstName, login: a.login } : null);
  return {
    terminal: context?.terminal ? { role: context.terminal.role, name: context.terminal.name } : null,
    agent: account(context?.agent ?? null),
    manager: account(context?.manager ?? null),
    site: context?.site ?? null,
    version: context?.version ?? '',
    /** A real installation without any manager yet: /gestion offers the first-start setup. */
    setupRequired: context?.setupRequired ?? false,
    /** Several sites: the login forms ask which one (names only), preselecting this device's last. */
    loginSites: context?.loginSites ?? [],
    loginSiteId: context?.loginSiteId ?? null
  };
};
