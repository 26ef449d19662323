/**
 * The one sentence that says where the citizen's call stands: written into the call panel's live
 * region (screen readers) and, with « Lire à voix haute » on, spoken at each change. Kept apart
 * from the panel's markup so both say exactly the same thing.
 */
import { m } from '../paraglide/messages';
import type { SessionAgent, SessionCall } from '$shared/schemas/session';

export function callStatusText(call: SessionCall | null, agent: SessionAgent | null, arrived: boolean): string {
  if (agent) {
    if (!agent.connected) return m.call_agent_lost({ name: agent.firstName });
    return arrived ? m.sharing_with_you({ name: agent.firstName }) : m.sharing_banner({ name: agent.firstName });
  }
  if (call?.status === 'ringing') return call.stage === 1 ? m.call_widened() : m.call_told();
  if (call?.status === 'unanswered') {
    if (call.unansweredReason === 'closed') return `${m.call_closed_title()}. ${m.call_closed_next()}`;
    const title = call.unansweredReason === 'no_agent' ? m.call_no_agent_title() : m.call_timeout_title();
    return `${title}. ${m.call_go_to_desk()}`;
  }
  return '';
}

/**
 * What the status depends on, without the words: a change of language re-translates the sentence
 * but is no news to speak again (the new screen is read anyway).
 */
export function callStatusKey(call: SessionCall | null, agent: SessionAgent | null, arrived: boolean): string {
  if (agent) return `agent:${agent.firstName}:${agent.connected}:${arrived}`;
  if (call && call.status !== 'accepted') return `call:${call.id}:${call.status}:${call.stage}:${call.unansweredReason}`;
  return '';
}
