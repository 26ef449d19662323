/**
 * The CUPS printer tests need a running CUPS scheduler with two queues:
 * - `guichet-pdf`: a PDF queue on the cups-pdf backend, whose files land in `cupsPdfOutput`;
 * - `guichet-raw`: a raw queue whose device is `socket://127.0.0.1:9109` (the AppSocket backend a
 *   network receipt printer behind CUPS uses): the test listens on that port and reads the bytes back.
 *   A `file:` device would need `FileDevice Yes` in cups-files.conf, a machine-wide relaxation that also
 *   needs cupsd restarted; the socket needs nothing changed.
 *
 * As root, installs what is missing with apt (cups, printer-driver-cups-pdf, poppler-utils), starts
 * cupsd when it is not running, and creates or mends both queues; run it again at any time. Otherwise
 * stops with the one command to run.
 *
 * cups-pdf reads `/etc/cups/cups-pdf-<name>.conf` for a device `cups-pdf:/<name>`, so the PDF queue has
 * its own output folder without touching the machine's `cups-pdf.conf` (whose output goes to each
 * user's ~/PDF, /root/PDF for root). Where AppArmor confines cups-pdf (Debian's profile in
 * /etc/apparmor.d/usr.sbin.cupsd), it may write under /var/spool/cups-pdf/ but read only
 * /etc/cups/cups-pdf.conf: the set-up then stops and says which rule to add.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const cupsPdfQueue = 'guichet-pdf';
export const cupsRawQueue = 'guichet-raw';
/**
 * Where cups-pdf writes the PDFs of `guichet-pdf`. A file's name is made from the job's title and ends
 * with `-job_<n>.pdf`, n being the number at the end of the CUPS job id (`guichet-pdf-<n>`): the
 * cups-pdf model sets Label 2, which wins over the configuration file.
 */
export const cupsPdfOutput = '/var/spool/cups-pdf/guichet';
/** The port the raw queue sends its jobs to, on 127.0.0.1. */
export const cupsRawPort = 9109;

const cupsPdfInstance = 'guichet';
const cupsPdfConfig = `/etc/cups/cups-pdf-${cupsPdfInstance}.conf`;
const cupsPdfBackend = '/usr/lib/cups/backend/cups-pdf';
const cupsd = '/usr/sbin/cupsd';
const aptPackages = ['cups', 'printer-driver-cups-pdf', 'poppler-utils'];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const setupCommand = `${isRoot ? '' : 'sudo '}npx tsx scripts/ensure-cups.ts`;

const cupsPdfConfigText = `# Written by Guichet's scripts/ensure-cups.ts for the test queue ${cupsPdfQueue}.
Out ${cupsPdfOutput}
AnonDirName ${cupsPdfOutput}
Grp lpadmin
`;

/** A CUPS tool's path: the administration tools live in /usr/sbin, often missing from a user's PATH. */
export function cupsTool(name: string): string {
  const folders = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const folder of folders) {
    if (!folder) continue;
    const candidate = path.join(folder, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return name;
}

const cEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };

function run(name: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(cupsTool(name), args, { env: cEnv, encoding: 'utf8', timeout: 20_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

function runOrDie(name: string, args: string[]): string {
  const result = run(name, args);
  if (!result.ok) throw new Error(`${name} ${args.join(' ')} failed: ${result.output}`);
  return result.output;
}

const requiredTools = [
  'lp',
  'lpstat',
  'lpadmin',
  'lpinfo',
  'lpoptions',
  'cupsenable',
  'cupsdisable',
  'cupsaccept',
  'cancel',
  'pdftotext'
];

function missingTools(): string[] {
  const missing = requiredTools.filter((tool) => !path.isAbsolute(cupsTool(tool)));
  for (const file of [cupsd, cupsPdfBackend]) if (!fs.existsSync(file)) missing.push(file);
  return missing;
}

function schedulerRunning(): boolean {
  return run('lpstat', ['-r']).output.includes('scheduler is running');
}

const rawDevice = `socket://127.0.0.1:${cupsRawPort}`;
const pdfDevice = `cups-pdf:/${cupsPdfInstance}`;

const appArmorProfile = '/etc/apparmor.d/usr.sbin.cupsd';

/**
 * True when AppArmor enforces its cups-pdf profile and that profile names no `cups-pdf-*.conf`
 * (only root can read the list of profiles; otherwise false).
 */
function appArmorConfinesCupsPdf(): boolean {
  try {
    const enforced = fs.readFileSync('/sys/kernel/security/apparmor/profiles', 'utf8').includes(`${cupsPdfBackend} (enforce)`);
    return enforced && !fs.readFileSync(appArmorProfile, 'utf8').includes('/etc/cups/cups-pdf-');
  } catch {
    return false;
  }
}

/** What keeps the CUPS tests from running, or null when everything is in place. Changes nothing. */
export function cupsProblem(): string | null {
  const missing = missingTools();
  if (missing.length > 0) return `CUPS is not installed (missing: ${missing.join(', ')})`;
  if (appArmorConfinesCupsPdf()) {
    return (
      `AppArmor confines cups-pdf, which then cannot read ${cupsPdfConfig}: add the line ` +
      `"/etc/cups/cups-pdf-*.conf r," to the ${cupsPdfBackend} profile in ${appArmorProfile}, ` +
      `then run "apparmor_parser -r ${appArmorProfile}"`
    );
  }
  if (!schedulerRunning()) return 'the CUPS scheduler (cupsd) is not running';
  for (const [queue, device] of [
    [cupsPdfQueue, pdfDevice],
    [cupsRawQueue, rawDevice]
  ] as const) {
    const listed = run('lpstat', ['-v', queue]);
    if (!listed.ok || !listed.output.includes(`device for ${queue}: ${device}`)) {
      return `the CUPS queue ${queue} is missing or does not print to ${device}`;
    }
    const state = run('lpstat', ['-p', queue]);
    if (!state.ok || / disabled /.test(state.output)) return `the CUPS queue ${queue} is paused`;
    const accepting = run('lpstat', ['-a', queue]);
    if (!accepting.ok || accepting.output.includes('not accepting')) return `the CUPS queue ${queue} rejects jobs`;
  }
  if (!run('lpoptions', ['-p', cupsPdfQueue]).output.includes('pdftops-renderer=pdftocairo')) {
    return `the CUPS queue ${cupsPdfQueue} does not convert PDFs with pdftocairo`;
  }
  if (!fs.existsSync(cupsPdfConfig) || fs.readFileSync(cupsPdfConfig, 'utf8') !== cupsPdfConfigText) {
    return `${cupsPdfConfig} is missing or was changed`;
  }
  return null;
}

/** The message the CUPS tests fail with when CUPS is not ready. */
export function cupsSetupMessage(problem: string): string {
  return `CUPS is not ready for the printer tests: ${problem}.\nSet it up (as root, it installs what is missing), then run the tests again:\n\n  ${setupCommand}\n`;
}

function installPackages(): void {
  console.log(`CUPS is missing: installing it with apt (${aptPackages.join(', ')})…`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', ...aptPackages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  });
  const missing = missingTools();
  if (install.status !== 0 || missing.length > 0) {
    throw new Error(
      `could not install CUPS (still missing: ${missing.join(', ')}). Run: apt-get install -y ${aptPackages.join(' ')}`
    );
  }
}

function startScheduler(): void {
  console.log('Starting the CUPS scheduler (cupsd)…');
  // Without -f, cupsd detaches itself once it is ready to serve.
  const started = spawnSync(cupsd, [], { encoding: 'utf8', timeout: 20_000 });
  if (started.status !== 0) throw new Error(`${cupsd} failed: ${started.stderr || started.stdout}`);
  const deadline = Date.now() + 15_000;
  while (!schedulerRunning()) {
    if (Date.now() > deadline) throw new Error('cupsd started, but `lpstat -r` does not see the scheduler running');
    spawnSync('sleep', ['0.2']);
  }
}

/** The cups-pdf model, as `lpinfo -m` lists it (the one with options first). */
function cupsPdfModel(): string {
  const models = runOrDie('lpinfo', ['-m'])
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((model) => /cups-pdf/i.test(model));
  const model = models.find((m) => /_opt\.ppd$/i.test(m)) ?? models[0];
  if (!model) throw new Error('lpinfo -m lists no CUPS-PDF model: is printer-driver-cups-pdf installed?');
  return model;
}

function setUpQueues(): void {
  if (!fs.existsSync(cupsPdfConfig) || fs.readFileSync(cupsPdfConfig, 'utf8') !== cupsPdfConfigText) {
    fs.writeFileSync(cupsPdfConfig, cupsPdfConfigText, { mode: 0o644 });
  }
  // Anyone may print to the test queue: cups-pdf writes each user's files as that user.
  fs.mkdirSync(cupsPdfOutput, { recursive: true });
  fs.chmodSync(cupsPdfOutput, 0o1777);

  // The default PDF-to-PostScript renderer loses the text of embedded TrueType fonts on the way
  // back to PDF (pdftotext then reads symbols); pdftocairo keeps it (Debian bug #928738).
  runOrDie('lpadmin', [
    '-p',
    cupsPdfQueue,
    '-E',
    '-v',
    pdfDevice,
    '-m',
    cupsPdfModel(),
    '-o',
    'pdftops-renderer-default=pdftocairo',
    '-o',
    'printer-is-shared=false',
    '-D',
    'Guichet test queue (PDF files)'
  ]);
  // No model: a raw queue, the bytes reach the device untouched.
  runOrDie('lpadmin', [
    '-p',
    cupsRawQueue,
    '-E',
    '-v',
    rawDevice,
    '-o',
    'printer-is-shared=false',
    '-D',
    'Guichet test queue (raw ESC/POS)'
  ]);
  for (const queue of [cupsPdfQueue, cupsRawQueue]) {
    runOrDie('cupsenable', [queue]);
    runOrDie('cupsaccept', [queue]);
  }
  // Jobs a stopped test left behind would reach the next test's listener.
  run('cancel', ['-a', cupsRawQueue]);
}

export function ensureCups(): void {
  const problem = cupsProblem();
  if (!problem) return;
  if (!isRoot) {
    console.error(cupsSetupMessage(problem));
    process.exit(1);
  }
  try {
    if (missingTools().length > 0) installPackages();
    if (!schedulerRunning()) startScheduler();
    setUpQueues();
  } catch (error) {
    console.error(`Could not set up CUPS for the printer tests: ${(error as Error).message}`);
    process.exit(1);
  }
  const left = cupsProblem();
  if (left) {
    console.error(`CUPS is still not ready after the set-up: ${left}.`);
    process.exit(1);
  }
  console.log(`CUPS is ready: queues ${cupsPdfQueue} (PDF files in ${cupsPdfOutput}) and ${cupsRawQueue} (${rawDevice}).`);
}

if (import.meta.url === `file://${process.argv[1]}`) ensureCups();
