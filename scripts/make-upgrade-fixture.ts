/**
 * Makes the upgrade test's fixture: the store of a data folder as a release of Guichet leaves it,
 * written by that release's own code. The release is checked out in a temporary git worktree, its
 * real server is started there on a new data folder, and a day in the hall is played through it
 * with real clients (the demo site, a kiosk paired by the manager, a session with answers, a
 * ticket, a help call answered by an agent). The database and what the test needs to find in it
 * are copied to server/src/db/fixtures/.
 *
 *   npx tsx scripts/make-upgrade-fixture.ts [commit]   (default: 3e25cdb, migrations 0001–0008)
 *
 * Run it again for each release whose data folders later versions must open, and commit the files.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const release = process.argv[2] ?? '3e25cdb';
const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, 'server/src/db/fixtures');

/** Runs in the release's tree, with that release's code and API. */
const program = `
import fs from 'node:fs';
import { command, startTestServer } from './server/src/testing/test-server';
import { ok, openHall, rid } from './server/src/testing/hall';

const [dataDir, factsFile] = process.argv.slice(2);
const server = await startTestServer({}, { dataDir });
const hall = await openHall(server, { procedureId: 'changement-adresse' });
ok(await command(hall.kiosk, 'session:patch', {
  sessionId: hall.session.id,
  patchId: rid(),
  ops: [{ op: 'answer', stepId: 'logement', value: 'locataire' }]
}));
const ticket = ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
const call = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
ok(await command(hall.marie, 'call:accept', { callId: call.id }));
const facts = {
  release: process.env.RELEASE,
  sessionId: hall.session.id,
  ticketId: ticket.id,
  ticketLabel: ticket.label,
  callId: call.id,
  marieToken: hall.marieToken,
  managerToken: hall.managerToken,
  kioskToken: hall.kioskToken
};
await server.close({ keepData: true });
fs.writeFileSync(factsFile, JSON.stringify(facts, null, 2) + '\\n');
process.exit(0);
`;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-release-'));
const tree = path.join(work, 'tree');
const dataDir = path.join(work, 'data');
const factsFile = path.join(work, 'facts.json');
try {
  run('git', ['worktree', 'add', '--detach', tree, release], root);
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: tree, encoding: 'utf8' }).stdout.trim();
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(tree, 'node_modules'));
  fs.writeFileSync(path.join(tree, 'make-fixture.ts'), program);
  run('npx', ['tsx', 'make-fixture.ts', dataDir, factsFile], tree, { ...process.env, RELEASE: commit });
  fs.mkdirSync(outDir, { recursive: true });
  fs.copyFileSync(path.join(dataDir, 'guichet.sqlite'), path.join(outDir, `upgrade-${commit}.sqlite`));
  fs.copyFileSync(factsFile, path.join(outDir, `upgrade-${commit}.json`));
  console.log(`Fixture written: server/src/db/fixtures/upgrade-${commit}.sqlite (and .json)`);
} finally {
  spawnSync('git', ['worktree', 'remove', '--force', tree], { cwd: root, stdio: 'inherit' });
  fs.rmSync(work, { recursive: true, force: true });
}
