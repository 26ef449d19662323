/**
 * A second site beside the demo one, for tests that prove nothing crosses sites: on top of the
 * fixture site (accounts and a kiosk), its manager pairs a kiosk, adds a printer, a counter, a
 * service and a procedure of its own, prints a test page, and a citizen starts a session there,
 * all through the real server, so each kind of record exists at site B.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { addSite, fixturePassword } from './fixtures';
import { ok } from './hall';
import { command, connect, login, pairTerminal, testCatalogDir, type TestClient, type TestServer } from './test-server';

export interface OtherSite {
  siteId: string;
  manager: TestClient;
  kioskId: string;
  agentId: string;
  printerId: string;
  counterId: string;
  jobId: string;
  procedureId: string;
  sessionReference: string;
}

export async function addOtherSite(server: TestServer): Promise<OtherSite> {
  const site = await addSite(server.store, server.clock, 'Voisinville');
  const managerToken = await login(server, 'manager', site.managerLogin, fixturePassword);
  const kioskToken = await pairTerminal(server, managerToken, 'kiosk', 'Borne de Voisinville');
  const manager = await connect(server, 'manager', managerToken);
  const agentId = ok(await command(manager, 'account:list', {})).find((a) => a.role === 'agent')!.id;
  const printer = ok(
    await command(manager, 'printer:save', {
      name: 'Imprimante de Voisinville',
      kind: 'receipt',
      uri: 'tcp://127.0.0.1:9',
      terminalId: null
    })
  );
  const counter = ok(await command(manager, 'counter:save', { name: 'Bureau 1' }));
  ok(await command(manager, 'service:save', { id: 'accueil', prefix: 'V', name: 'Accueil de Voisinville', openingHours: {} }));
  const job = ok(await command(manager, 'printer:test', { printerId: printer.id }));
  const procedureId = 'demarche-de-voisinville';
  const source = fs
    .readFileSync(path.join(testCatalogDir, 'essai-saisies.yaml'), 'utf8')
    .replace(/^id: essai-saisies$/m, `id: ${procedureId}`);
  const saved = ok(await command(manager, 'procedure:save', { source }));
  ok(await command(manager, 'procedure:publish', { id: procedureId, version: saved.version }));
  const kiosk = await connect(server, 'kiosk', kioskToken);
  const session = ok(await command(kiosk, 'session:start', { requestId: randomUUID(), locale: 'fr' }));
  kiosk.disconnect();
  return {
    siteId: site.siteId,
    manager,
    kioskId: ok(await command(manager, 'terminal:list', {})).find((t) => t.name === 'Borne de Voisinville')!.id,
    agentId,
    printerId: printer.id,
    counterId: counter.id,
    jobId: job.id,
    procedureId,
    sessionReference: session.reference
  };
}
