/**
 * Each node keeps the agents' availability in memory (agent-presence.repository), read when first
 * needed. An agent whose tablet is on another node is read when this node hears of that tablet
 * (`node:presence`), and again when told she changed it (`node:agent-status`), not when a call
 * next rings her: that read would come before the ring.
 */
import { expect, it } from 'vitest';
import { command, connect, login } from '../testing/test-server';
import { ok } from '../testing/hall';
import { twoNodesOnOneDatabase } from '../testing/two-nodes';

const nodes = twoNodesOnOneDatabase();

it('an agent on another node: this node reads her availability when it hears of her tablet, and of each change', async () => {
  const [siteId] = await nodes.first.store.sites.listIds();
  const karimId = (await nodes.first.store.accounts.findForLogin(siteId, 'karim'))!.id;
  const token = await login(nodes.second, 'agent', 'karim', '5678');
  const karim = await connect(nodes.second, 'agent', token);
  await expect.poll(() => nodes.first.store.agentPresence.cached(karimId)).toEqual({ status: 'available', beforeCall: null });

  // On a break, said to the second node: the first node, told of the change, reads it again at
  // once.
  ok(await command(karim, 'agent:presence', { status: 'break' }));
  await expect.poll(() => nodes.first.store.agentPresence.cached(karimId)).toEqual({ status: 'break', beforeCall: null });
  karim.disconnect();
});
