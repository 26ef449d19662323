/**
 * Who counts as there when a call is made: an agent whose node stopped is on her way to another
 * node (the call must ring and wait for her), one who put her tablet away is not (the citizen is
 * told at once that nobody can come).
 */
import { describe, expect, it } from 'vitest';
import { AgentConnections } from './agent-connections';

const site = 'site-1';
const marie = { accountId: 'marie', siteId: site, firstName: 'Marie' };
const karim = { accountId: 'karim', siteId: site, firstName: 'Karim' };

describe('agents reachable for a new call', () => {
  it('counts an agent lost with her node until she is back or her grace period ends, not one whose tablet dropped', () => {
    const connections = new AgentConnections();
    // Marie's tablet is on another node; Karim's on this one.
    connections.fromNode('node-2', [{ ...marie, sockets: 1 }], false, 0);
    connections.connected(karim.accountId, site, karim.firstName);
    expect(connections.reachableInSite(site).sort()).toEqual(['karim', 'marie']);

    // Karim's tablet drops: within his grace period he is online, but no call should wait for him.
    connections.disconnected(karim.accountId, 1_000);
    expect(connections.isOnline(karim.accountId)).toBe(true);
    expect(connections.reachableInSite(site)).toEqual(['marie']);

    // Marie's node stops: she is no longer connected anywhere, yet still reachable.
    connections.nodeGone('node-2', 2_000);
    expect(connections.connectedInSite(site)).toEqual([]);
    expect(connections.reachableInSite(site)).toEqual(['marie']);

    // Her tablet comes back here: connected again, then a drop of her own is an ordinary one.
    connections.connected(marie.accountId, site, marie.firstName);
    connections.disconnected(marie.accountId, 3_000);
    expect(connections.reachableInSite(site)).toEqual([]);
  });

  it('forgets an agent lost with her node once her grace period is over', () => {
    const connections = new AgentConnections();
    connections.fromNode('node-2', [{ ...marie, sockets: 1 }], false, 0);
    connections.nodeGone('node-2', 1_000);
    expect(connections.expire(1_000 + 59_000, 60_000)).toEqual([]);
    expect(connections.reachableInSite(site)).toEqual(['marie']);
    expect(connections.expire(1_000 + 60_000, 60_000).map((a) => a.accountId)).toEqual(['marie']);
    expect(connections.reachableInSite(site)).toEqual([]);
  });
});

describe('agents by site', () => {
  it('answers each site with its own agents only, here and on other nodes, until they are forgotten or expire', () => {
    const connections = new AgentConnections();
    const other = 'site-2';
    connections.connected('marie', site, 'Marie');
    connections.fromNode('node-2', [{ ...karim, sockets: 1 }], false, 0);
    connections.connected('lea', other, 'Léa');
    expect(connections.connectedInSite(site).sort()).toEqual(['karim', 'marie']);
    expect(connections.connectedInSite(other)).toEqual(['lea']);
    expect(connections.onlineInSite('site-3')).toEqual([]);

    connections.forget('karim');
    expect(connections.onlineInSite(site)).toEqual(['marie']);
    connections.disconnected('lea', 1_000);
    expect(connections.onlineInSite(other)).toEqual(['lea']);
    expect(connections.expire(1_000 + 60_000, 60_000).map((a) => a.accountId)).toEqual(['lea']);
    expect(connections.onlineInSite(other)).toEqual([]);
    // Back after all that: counted once, at her site.
    connections.connected('lea', other, 'Léa');
    expect(connections.connectedInSite(other)).toEqual(['lea']);
    expect(connections.connectedInSite(site)).toEqual(['marie']);
  });
});
