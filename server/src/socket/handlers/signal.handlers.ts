/** "Who is typing where": relayed to the other side of the session while both are connected, never stored. */
import type { SessionsService } from '../../sessions/sessions.service';
import type { Notifier } from '../../events/notifier';
import type { SignalHandlers } from '../types';

export function createSignalHandlers({ sessions, notifier }: { sessions: SessionsService; notifier: Notifier }): SignalHandlers {
  return {
    'session:focus': async (input, { identity, socket }) => {
      const stored = await sessions.loadActive(identity.siteId, input.sessionId);
      await sessions.assertAccess(identity, stored);
      const by = identity.kind === 'terminal' ? 'citizen' : 'agent';
      const name = identity.kind === 'account' ? identity.firstName : '';
      notifier.sessionFocus(stored.terminalId, { sessionId: stored.id, by, name, stepId: input.stepId }, socket.id);
    }
  };
}
