import { describe, expect, it } from 'vitest';
import type { SessionCall } from '$shared/schemas/session';
import { callStatusKey, callStatusText } from './call-status';

const call = (over: Partial<SessionCall>): SessionCall => ({
  id: 'c1',
  status: 'ringing',
  stage: 0,
  createdAt: '2026-01-05T09:00:00.000Z',
  ringingSince: '2026-01-05T09:00:00.000Z',
  agentName: null,
  unansweredReason: null,
  estimate: { availableAgents: 1, usualSeconds: null },
  ...over
});

describe('the call status the kiosk announces and speaks', () => {
  it('says each stage of a call, and who is coming then who is there', () => {
    expect(callStatusText(null, null, false)).toBe('');
    expect(callStatusText(call({}), null, false)).toBe('Un agent a été prévenu. Il va venir vers vous.');
    expect(callStatusText(call({ stage: 1 }), null, false)).toBe('Les agents sont occupés. Nous prévenons tous les agents.');
    expect(callStatusText(call({ status: 'unanswered', unansweredReason: 'no_agent' }), null, false)).toBe(
      "Aucun agent n'est disponible en ce moment. Allez à l'accueil : un agent vous recevra."
    );
    const marie = { firstName: 'Marie', connected: true };
    expect(callStatusText(call({ status: 'accepted' }), marie, false)).toBe('Marie arrive et voit cet écran pour vous aider.');
    expect(callStatusText(call({ status: 'accepted' }), marie, true)).toBe('Marie est avec vous et voit cet écran.');
    expect(callStatusText(null, { ...marie, connected: false }, true)).toContain('a perdu la connexion');
  });

  it('changes its key with the news, not with the words', () => {
    const keys = [
      callStatusKey(call({}), null, false),
      callStatusKey(call({ stage: 1 }), null, false),
      callStatusKey(call({ status: 'accepted' }), { firstName: 'Marie', connected: true }, false),
      callStatusKey(call({ status: 'accepted' }), { firstName: 'Marie', connected: true }, true)
    ];
    expect(new Set(keys).size).toBe(4);
    expect(callStatusKey(null, null, false)).toBe('');
  });
});
