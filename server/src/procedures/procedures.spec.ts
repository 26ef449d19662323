/**
 * Procedures stored per site and versioned, against the real server: the manager checks, saves and
 * publishes a file; the kiosks get the new list at once; a session keeps the version it opened
 * (its patches, its kiosk after a reload, the agent's tablet and its printed summary); nothing
 * crosses sites; the catalog folder seeds the demo site published and a real site unpublished.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DecodedReceipt } from '../../../printers/escpos/decoder';
import type { PrintJobView } from '../../../shared/schemas/print';
import { addSite, fixturePassword, snapshot, value } from '../testing/fixtures';
import { collect, ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, login, nextEvent, startTestServer, type TestClient, type TestServer } from '../testing/test-server';

const shippedIds = [
  'acte-etat-civil',
  'aide-sociale-ccas',
  'carte-identite-passeport',
  'changement-adresse',
  'inscription-listes-electorales',
  'recensement-citoyen'
];

/** A small procedure; `v` changes its wording and one choice, like a manager's second version. */
function file(v: 1 | 2): string {
  return `# Essai de versions (${v === 1 ? 'première' : 'deuxième'} rédaction)
id: essai-versions
version: ${v}
service: essais
pictogram: documents
title: { fr: Essai ${v}, en: Trial ${v} }
summary: { fr: Pour les tests., en: For tests. }
steps:
  - id: motif
    kind: question
    type: one_choice
    label: { fr: Motif ${v} }
    choices:
      - { id: ${v === 1 ? 'ancien' : 'nouveau'}, label: { fr: Choix de la version ${v} } }
      - { id: autre, label: { fr: Autre } }
  - id: fin
    kind: review
    title: { fr: Vérifiez }
    nextSteps: { fr: Allez au guichet ${v}. }
`;
}

/** Line 5: a pictogram that does not exist; line 10: a question of no known type. */
const broken = `id: essai-casse
version: 1
service: essais
title: { fr: Cassé }
pictogram: fusee
summary: { fr: x }
steps:
  - id: couleur
    kind: question
    type: couleur
    label: { fr: Couleur }
  - id: fin
    kind: review
    title: { fr: Fin }
    nextSteps: { fr: Fin }
`;

let server: TestServer;
let hall: Hall;
let manager: TestClient;

beforeEach(async () => {
  server = await startTestServer();
  hall = await openHall(server);
  manager = await connect(server, 'manager', hall.managerToken);
});
afterEach(async () => {
  await server.close();
});

async function saveAndPublish(v: 1 | 2): Promise<number> {
  const saved = ok(await command(manager, 'procedure:save', { source: file(v) }));
  // The kiosks' announcement leaves after the ack: awaited here, so a later listener gets the next one.
  const announced = nextEvent(hall.kiosk, 'procedures:changed');
  ok(await command(manager, 'procedure:publish', { id: 'essai-versions', version: saved.version }));
  await announced;
  return saved.version;
}

describe('checking and saving a file', () => {
  it('a file with mistakes: each problem with its line and field, and nothing stored', async () => {
    const before = await snapshot(server.store);
    const checked = ok(await command(manager, 'procedure:validate', { source: broken }));
    expect(checked.ok).toBe(false);
    const problems = checked.ok ? [] : checked.problems;
    expect(problems.map((p) => [p.path, p.line, p.code])).toEqual([
      ['pictogram', 5, 'one_of'],
      ['steps.0.type', 10, 'one_of']
    ]);
    // Once the fields are right, the links between steps are checked, each at its line.
    const fixed = broken.replace('fusee', 'info').replace('type: couleur', 'type: yes_no');
    const linked = ok(
      await command(manager, 'procedure:validate', {
        source: fixed.replace('    title: { fr: Fin }', '    when: { question: absente, equals: true }\n    title: { fr: Fin }')
      })
    );
    expect(linked.ok ? [] : linked.problems.map((p) => [p.path, p.line])).toEqual([
      ['steps.1.when.question', 14],
      ['steps.1.when', 14]
    ]);
    expect(ok(await command(manager, 'procedure:validate', { source: fixed })).ok).toBe(true);
    const refused = await command(manager, 'procedure:save', { source: broken });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('invalid_payload');
    // The same problems, with what the console needs to say them in its language.
    expect(refused.error.issues).toEqual(
      problems.map((p) => ({ path: p.path, line: p.line, message: p.message, problem: { code: p.code, params: p.params } }))
    );
    // A file that is not even YAML, and one too large: refused the same way, nothing stored.
    const garbled = ok(await command(manager, 'procedure:validate', { source: 'id: [unclosed\n' }));
    expect(garbled.ok).toBe(false);
    const huge = await command(manager, 'procedure:save', { source: 'x'.repeat(200_001) });
    expect(huge).toMatchObject({ ok: false, error: { code: 'invalid_payload', issues: [{ path: 'source' }] } });
    expect(await snapshot(server.store)).toEqual(before);
  });

  it('a valid file is stored as written, as version 1; the same file again is that version; a change is version 2', async () => {
    const checked = ok(await command(manager, 'procedure:validate', { source: file(1) }));
    expect(checked.ok && checked.procedure.id).toBe('essai-versions');
    expect(await server.store.procedures.find(await siteOf(server), 'essai-versions')).toBeNull();

    const v1 = ok(await command(manager, 'procedure:save', { source: file(1) }));
    expect(v1).toMatchObject({ id: 'essai-versions', version: 1, source: file(1), savedBy: 'Camille', publishedVersion: null });
    expect(v1.procedure?.version).toBe(1);
    expect(ok(await command(manager, 'procedure:save', { source: file(1) })).version).toBe(1);
    const v2 = ok(await command(manager, 'procedure:save', { source: file(2) }));
    expect(v2).toMatchObject({ version: 2, latestVersion: 2 });

    const got = ok(await command(manager, 'procedure:get', { id: 'essai-versions', version: 1 }));
    expect(got.source).toBe(file(1));
    const list = ok(await command(manager, 'procedure:list', {}));
    // A new procedure comes after the others on the kiosk.
    expect(list.at(-1)).toMatchObject({
      id: 'essai-versions',
      title: { fr: 'Essai 2' },
      service: 'essais',
      publishedVersion: null,
      latestVersion: 2,
      draft: true
    });
    // A stored version cannot be rewritten, even by mistake.
    await expect(
      server.store.executor
        .db()
        .updateTable('procedure_versions')
        .set({ source: 'x' })
        .where('procedure_id', '=', 'essai-versions')
        .execute()
    ).rejects.toThrow(/immutable/);
  });
});

describe('publishing', () => {
  it('the kiosks get the new list at once and in their setup; a new service gets its queue', async () => {
    const changed = nextEvent(hall.kiosk, 'procedures:changed');
    const version = await saveAndPublish(1);
    expect(version).toBe(1);
    const { procedures } = await changed;
    expect(procedures.map((p) => p.id)).toContain('essai-versions');
    const setup = ok(await command(hall.kiosk, 'kiosk:setup', {}));
    expect(setup.procedures.find((p) => p.id === 'essai-versions')).toMatchObject({ version: 1, title: { fr: 'Essai 1' } });
    expect(setup.sessionProcedure).toBeNull();
    expect((await server.store.services.listInSite(await siteOf(server))).map((s) => s.id)).toContain('essais');
    expect(ok(await command(manager, 'procedure:list', {})).at(-1)).toMatchObject({ publishedVersion: 1, draft: false });
  });

  it('a session that opened version 1 keeps it after version 2 is published: patches, reload, tablet, summary', async () => {
    await saveAndPublish(1);
    const sessionId = hall.session.id;
    const patch = (ops: unknown[], client = hall.kiosk) => command(client, 'session:patch', { sessionId, patchId: rid(), ops });
    const opened = ok(await patch([{ op: 'open', procedureId: 'essai-versions' }]));
    expect(opened.changes).toEqual([{ op: 'open', procedureId: 'essai-versions', version: 1, stepId: 'motif' }]);

    const changed = nextEvent(hall.kiosk, 'procedures:changed');
    expect(await saveAndPublish(2)).toBe(2);
    expect((await changed).procedures.find((p) => p.id === 'essai-versions')?.version).toBe(2);

    // Answers are checked against version 1: its choice is taken, version 2's refused.
    ok(await patch([{ op: 'answer', stepId: 'motif', value: 'ancien' }]));
    const refused = await patch([{ op: 'answer', stepId: 'motif', value: 'nouveau' }]);
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_payload', issues: [{ path: 'ops.0.value' }] } });

    // The kiosk reloads: it gets version 2 for new sessions, and version 1 for the one going on.
    const kiosk = await connect(server, 'kiosk', hall.kioskToken);
    const setup = ok(await command(kiosk, 'kiosk:setup', {}));
    expect(setup.session).toMatchObject({ id: sessionId, procedureId: 'essai-versions', procedureVersion: 1 });
    expect(setup.procedures.find((p) => p.id === 'essai-versions')?.version).toBe(2);
    expect(setup.sessionProcedure).toMatchObject({ id: 'essai-versions', version: 1, title: { fr: 'Essai 1' } });

    // The agent who joins sees version 1 too, from the call's card on.
    const ring = nextEvent(hall.marie, 'call:ring');
    const call = ok(await command(kiosk, 'call:create', { sessionId, requestId: rid(), reason: 'help' }));
    expect(await ring).toMatchObject({ procedureTitle: { fr: 'Essai 1' }, stepHeading: { fr: 'Motif 1' } });
    const joined = ok(await command(hall.marie, 'call:accept', { callId: call.id }));
    expect(joined.procedure).toMatchObject({ version: 1, title: { fr: 'Essai 1' } });
    expect(ok(await command(hall.marie, 'agent:state', {})).joined?.procedure?.version).toBe(1);
    ok(await patch([{ op: 'goto', stepId: 'fin', returnToReview: false }], hall.marie));

    // The summary says what the citizen went through: version 1's wording.
    const jobs = collect<PrintJobView>(kiosk, 'print:job');
    const job = ok(await command(kiosk, 'print:summary', { requestId: rid(), sessionId, format: 'receipt' }));
    await expect.poll(() => jobs.find((j) => j.id === job.id && j.status === 'printed'), { timeout: 8000 }).toBeTruthy();
    const text = receiptText(server.virtualPrinters!.device.receipts().at(-1)!);
    expect(text).toContain('Essai 1');
    expect(text).toContain('Choix de la version 1');
    expect(text).toContain('Allez au guichet 1.');
    expect(text).not.toContain('Essai 2');

    // Opening it again is a fresh start, on what the kiosks offer now.
    expect(ok(await patch([{ op: 'open', procedureId: 'essai-versions' }])).changes[0]).toMatchObject({ version: 2 });
  });

  it('withdrawn: gone from the kiosks, the session that opened it goes on; it cannot be opened again', async () => {
    await saveAndPublish(1);
    const sessionId = hall.session.id;
    const patch = (ops: unknown[]) => command(hall.kiosk, 'session:patch', { sessionId, patchId: rid(), ops });
    ok(await patch([{ op: 'open', procedureId: 'essai-versions' }]));

    const changed = nextEvent(hall.kiosk, 'procedures:changed');
    const withdrawn = ok(await command(manager, 'procedure:unpublish', { id: 'essai-versions' }));
    expect(withdrawn).toMatchObject({ publishedVersion: null, latestVersion: 1, draft: true });
    expect((await changed).procedures.map((p) => p.id)).not.toContain('essai-versions');

    ok(await patch([{ op: 'answer', stepId: 'motif', value: 'ancien' }]));
    const setup = ok(await command(hall.kiosk, 'kiosk:setup', {}));
    expect(setup.procedures.map((p) => p.id)).not.toContain('essai-versions');
    expect(setup.sessionProcedure).toMatchObject({ id: 'essai-versions', version: 1 });
    expect(setup.session?.answers).toEqual({ motif: 'ancien' });

    const reopened = await patch([{ op: 'catalog' }, { op: 'open', procedureId: 'essai-versions' }]);
    expect(reopened).toMatchObject({ ok: false, error: { issues: [{ path: 'ops.1.procedureId' }] } });
  });

  it('a version that does not exist, or a procedure of no one, is not found', async () => {
    await saveAndPublish(1);
    expect(await command(manager, 'procedure:publish', { id: 'essai-versions', version: 7 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
    expect(await command(manager, 'procedure:unpublish', { id: 'personne' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
    expect(await command(manager, 'procedure:get', { id: 'essai-versions', version: 2 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
  });

  it('only a manager handles procedures', async () => {
    for (const client of [hall.kiosk, hall.marie]) {
      expect(await command(client, 'procedure:list', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await command(client, 'procedure:save', { source: file(1) })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' }
      });
    }
  });
});

describe('between sites', () => {
  it("a manager of site A neither lists nor reads nor publishes nor withdraws site B's procedures", async () => {
    const siteB = await addSite(server.store, server.clock, 'Autreville');
    const managerB = await connect(server, 'manager', await login(server, 'manager', siteB.managerLogin, fixturePassword));
    ok(await command(managerB, 'procedure:save', { source: file(1).replace('essai-versions', 'propre-a-b') }));
    const before = await snapshot(server.store);

    expect(ok(await command(manager, 'procedure:list', {})).map((p) => p.id)).not.toContain('propre-a-b');
    for (const [name, payload] of [
      ['procedure:get', { id: 'propre-a-b' }],
      ['procedure:publish', { id: 'propre-a-b', version: 1 }],
      ['procedure:unpublish', { id: 'propre-a-b' }]
    ] as const) {
      expect(await command(manager, name, payload), name).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    expect(await snapshot(server.store)).toEqual(before);
    // The same id at both sites are two procedures: A's save does not touch B's.
    ok(await command(manager, 'procedure:save', { source: file(2).replace('essai-versions', 'propre-a-b') }));
    expect(ok(await command(managerB, 'procedure:get', { id: 'propre-a-b' }))).toMatchObject({
      version: 1,
      source: file(1).replace('essai-versions', 'propre-a-b')
    });
    expect(ok(await command(managerB, 'procedure:list', {})).map((p) => p.id)).toEqual(['propre-a-b']);
  });
});

describe('the catalog folder as the seed', () => {
  it('the demo site gets every catalog procedure published as version 1', async () => {
    const list = ok(await command(manager, 'procedure:list', {}));
    expect(list.map((p) => p.id).sort()).toEqual(shippedIds);
    for (const p of list) expect(p).toMatchObject({ publishedVersion: 1, latestVersion: 1, draft: false });
    expect(
      ok(await command(hall.kiosk, 'kiosk:setup', {}))
        .procedures.map((p) => p.id)
        .sort()
    ).toEqual(shippedIds);
    // Stored exactly as the file is written, comments included.
    const stored = ok(await command(manager, 'procedure:get', { id: 'aide-sociale-ccas' }));
    expect(stored.source).toMatch(/^#/);
  });

  it('a real site gets them unpublished, for its manager to review; nothing is imported twice', async () => {
    const siteB = await addSite(server.store, server.clock, 'Autreville');
    const dataDir = server.dataDir;
    await server.close({ keepData: true });
    server = await startTestServer({}, { dataDir });
    const managerB = await connect(server, 'manager', await login(server, 'manager', siteB.managerLogin, fixturePassword));
    const list = ok(await command(managerB, 'procedure:list', {}));
    expect(list.map((p) => p.id).sort()).toEqual(shippedIds);
    for (const p of list) expect(p).toMatchObject({ publishedVersion: null, latestVersion: 1, draft: true });
    const kioskB = await connect(server, 'kiosk', await server.app.services.terminals.mintToken(siteB.kioskId));
    expect(ok(await command(kioskB, 'kiosk:setup', {})).procedures).toEqual([]);
    // Only the reception desk's queue until a procedure is published.
    expect((await server.store.services.listInSite(siteB.siteId)).map((s) => s.id)).toEqual(['accueil']);

    const managerA = await connect(server, 'manager', await login(server, 'manager', 'gestion', 'demoville-gestion'));
    const countA = ok(await command(managerA, 'procedure:list', {})).length;
    await server.close({ keepData: true });
    server = await startTestServer({}, { dataDir });
    const again = await connect(server, 'manager', await login(server, 'manager', 'gestion', 'demoville-gestion'));
    expect(ok(await command(again, 'procedure:list', {}))).toHaveLength(countA);
    expect(await value(server.store, sql`SELECT COUNT(*) FROM procedure_versions`)).toBe(countA * 2);
  });
});

async function siteOf(s: TestServer): Promise<string> {
  return (await value(s.store, sql`SELECT id FROM sites WHERE is_demo = 1`)) as string;
}

function receiptText(receipt: DecodedReceipt): string {
  return receipt.lines.flatMap((l) => (l.kind === 'text' ? [l.text] : [])).join('\n');
}
