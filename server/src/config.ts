/**
 * Server configuration: read once from the environment, validated with zod. A wrong value stops
 * start-up with a message naming the variable; every default lets `npm start` work on an empty
 * machine.
 */
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/** `name`, `1.2.3.4` or `[v6]`, each with an optional `:port`. */
const hostEntry = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

function isProxyEntry(entry: string): boolean {
  if (entry === 'loopback') return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = net.isIP(address ?? '');
  if (!family || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Backups kept when GUICHET_BACKUPS_KEPT is unset: a week of nightly copies. */
export const defaultBackupsKept = 7;

const booleanFlag = z.enum(['1', '0', 'true', 'false', 'yes', 'no']).transform((v) => v === '1' || v === 'true' || v === 'yes');

const envSchema = z.object({
  GUICHET_HOST: z.string().min(1).default('127.0.0.1'),
  GUICHET_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  GUICHET_DATA_DIR: z.string().min(1).default('./data'),
  /**
   * The store on PostgreSQL (`postgres://user:password@host:port/db`), for a hosting organisation;
   * unset, the embedded SQLite file in the data folder. Holds a password: never shown.
   */
  GUICHET_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'a postgres:// or postgresql:// URL')
    .optional(),
  /** Where `npm run backup` and the start-up before an upgrade write backups; default `<data>/backups`. */
  GUICHET_BACKUP_DIR: z.string().min(1).optional(),
  /**
   * Backups kept, the newest (older ones are deleted after each backup). Each holds the citizens'
   * data of its day, sessions the purge erased since included: this count bounds how long erased
   * data survives in backups (7 nightly backups: a week).
   */
  GUICHET_BACKUPS_KEPT: z.coerce.number().int().min(1).max(1000).default(defaultBackupsKept),
  GUICHET_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Create the demo site when the database is empty. */
  GUICHET_DEMO: booleanFlag.default(true),
  /** Give the demo kiosk and display to pages opened on this machine, without pairing. */
  GUICHET_DEMO_AUTOPAIR: booleanFlag.default(true),
  GUICHET_AGENT_SESSION_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 7)
    .default(12),
  GUICHET_MANAGER_SESSION_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 7)
    .default(8),
  GUICHET_PAIRING_MINUTES: z.coerce.number().positive().max(60).default(10),
  /**
   * Set when the hall network reaches Guichet over HTTPS (e.g. behind a reverse proxy): credential
   * cookies are then `Secure` and named `__Host-`. Unset, it follows GUICHET_PUBLIC_ORIGIN.
   */
  GUICHET_SECURE_COOKIES: booleanFlag.optional(),
  /**
   * The address browsers use to reach Guichet, e.g. `https://guichet.mairie.fr`: its host is
   * allowed (see GUICHET_ALLOWED_HOSTS), pages from it may post and open sockets, and an https
   * origin turns secure cookies on.
   */
  GUICHET_PUBLIC_ORIGIN: z
    .url({ protocol: /^https?$/, error: 'an http:// or https:// address without path, e.g. https://guichet.mairie.fr' })
    .refine((v) => ['', '/'].includes(new URL(v).pathname) && !new URL(v).search && !new URL(v).hash, {
      message: 'an origin only (scheme, host, optional port), without path, query or fragment'
    })
    .optional(),
  /**
   * Host names (or host:port) browsers may use besides this machine's own addresses, comma
   * separated. Any other Host header is answered 421: that is what stops DNS rebinding.
   */
  GUICHET_ALLOWED_HOSTS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean)
    )
    .pipe(z.array(z.string().regex(hostEntry, 'each entry is a host name, an IP address or [IPv6], with an optional :port')))
    .optional(),
  /**
   * The reverse proxies in front of Guichet, by address: `loopback`, IP addresses or CIDR ranges,
   * comma separated. Unset: no proxy is trusted and forwarding headers are ignored.
   */
  GUICHET_TRUST_PROXY: z
    .string()
    .transform((v) =>
      ['0', 'false', 'no', 'off'].includes(v.trim().toLowerCase())
        ? []
        : v
            .split(',')
            .map((p) => p.trim().toLowerCase())
            .filter(Boolean)
    )
    .pipe(
      z.array(
        z.string().refine(isProxyEntry, {
          message: 'name the proxy: loopback, an IP address or a CIDR range (e.g. loopback or 192.168.1.5 or 10.0.0.0/8)'
        })
      )
    )
    .optional(),
  /** Which header the trusted proxy writes the client's address into. */
  GUICHET_PROXY_HEADER: z.enum(['x-forwarded-for', 'forwarded', 'x-real-ip']).default('x-forwarded-for'),
  /** The folder of procedure files (YAML or JSON) offered on the kiosks. */
  GUICHET_CATALOG_DIR: z.string().min(1).default('./server/catalog'),
  /** Kiosk inactivity: after this many seconds a countdown starts, then the session is wiped. */
  GUICHET_KIOSK_IDLE_SECONDS: z.coerce.number().int().min(20).max(3600).default(90),
  GUICHET_KIOSK_COUNTDOWN_SECONDS: z.coerce.number().int().min(20).max(300).default(30),
  /**
   * How long a tablet that lost its connection keeps its agent present (and joined to a call).
   * Longer than socket.io's dead-connection detection (~20 s) so a sleeping tablet is not dropped.
   */
  GUICHET_AGENT_GRACE_SECONDS: z.coerce.number().int().min(1).max(600).default(45),
  /**
   * Printer addresses a manager may save (see `printers/address-policy.ts`). Each lets the server
   * write to, or connect to, more of the machine it runs on; all are off unless a site needs them.
   * USB receipt printers: `file:///dev/usb/lp0` and the like, character devices under /dev/usb only.
   */
  GUICHET_USB_PRINTERS: booleanFlag.default(false),
  /** `folder://` printers (development, demonstrations), in a folder inside the data folder only. */
  GUICHET_FOLDER_PRINTERS: booleanFlag.default(false),
  /** `tcp://` printers on this machine (loopback addresses, Guichet's own port): printer simulators, tests. */
  GUICHET_LOOPBACK_PRINTERS: booleanFlag.default(false),
  /**
   * This node's name among several on one PostgreSQL database (logs, `/healthz`, who holds which
   * site's lease). Unset: the machine's name and the process id, which `/healthz` does not show.
   */
  GUICHET_NODE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'letters, digits, dot, dash and underscore, at most 63, e.g. node-1')
    .optional(),
  /** Where the built SvelteKit app is; tests of the server alone run without it. */
  GUICHET_KIOSK_BUILD: z.string().min(1).default('./kiosk/build'),
  /**
   * Volume limits (see `limits` below). The defaults are far above honest use: a kiosk typing
   * fast sends ~10 commands a second, a page that loads sends ~10 at once.
   */
  GUICHET_COMMANDS_PER_SECOND: z.coerce.number().positive().max(100_000).default(30),
  GUICHET_COMMAND_BURST: z.coerce.number().int().min(10).max(1_000_000).default(200),
  GUICHET_CONNECTIONS_PER_CREDENTIAL: z.coerce.number().int().min(1).max(1000).default(8),
  GUICHET_SESSION_MAX_KB: z.coerce
    .number()
    .int()
    .min(16)
    .max(64 * 1024)
    .default(512),
  GUICHET_SESSION_PATCHES_KEPT: z.coerce.number().int().min(10).max(100_000).default(200),
  GUICHET_PAIRINGS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(20),
  GUICHET_PAIRINGS_PENDING_MAX: z.coerce.number().int().min(1).max(100_000).default(50),
  GUICHET_SPEECH_TIMEOUT_MS: z.coerce.number().int().min(10).max(120_000).default(10_000),
  GUICHET_PROCEDURE_PARSE_TIMEOUT_MS: z.coerce.number().int().min(10).max(120_000).default(5_000),
  /**
   * Lets a scraper on another machine (or behind a proxy) read `/metrics` with
   * `Authorization: Bearer <token>`. Unset: only programs of this machine talking to it directly.
   */
  GUICHET_METRICS_TOKEN: z
    .string()
    .min(32, 'at least 32 characters, e.g. the output of: openssl rand -hex 32')
    .max(1024)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces, e.g. the output of: openssl rand -hex 32')
    .optional(),
  /**
   * The hall's root certificate (PEM), offered at /api/hall-certificate so tablets and kiosks can
   * trust the hall's HTTPS. Unset: nothing is offered. install.sh sets /etc/guichet/hall-root.crt.
   */
  GUICHET_HALL_CA_FILE: z.string().trim().min(1).optional()
});

/** Caps that keep one client (or a flood of them) from taking the server for itself. */
export interface Limits {
  /** Token bucket per socket: refill rate, and how many commands may come at once. */
  commandsPerSecond: number;
  commandBurst: number;
  /** Open sockets per terminal token or per login session. */
  connectionsPerCredential: number;
  /** A session's answers and notes, in bytes of JSON. */
  sessionMaxBytes: number;
  /** Patches kept per session (older ones are pruned: a catching-up client gets the whole state). */
  sessionPatchesKept: number;
  /** Pairing requests per client address and minute, and pending (open) pairings in all. */
  pairingsPerMinute: number;
  pairingsPendingMax: number;
  /** Longest a worker thread may take to speak a text or to read a procedure file. */
  speechTimeoutMs: number;
  procedureParseTimeoutMs: number;
}

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** The SQLite file, used when `databaseUrl` is null. */
  databaseFile: string;
  /** GUICHET_DATABASE_URL: the PostgreSQL store, or null for SQLite. A secret: never logged. */
  databaseUrl: string | null;
  /** GUICHET_NODE_NAME: this node's name, said by `/healthz`; null: the machine's name and process id, said nowhere. */
  nodeName: string | null;
  /** GUICHET_BACKUP_DIR, absolute. */
  backupDir: string;
  backupsKept: number;
  logLevel: z.infer<typeof envSchema>['GUICHET_LOG_LEVEL'];
  demo: boolean;
  demoAutoPair: boolean;
  agentSessionHours: number;
  managerSessionHours: number;
  pairingMinutes: number;
  /** Credential cookies are `Secure` and `__Host-` prefixed: Guichet is reached over HTTPS. */
  secureCookies: boolean;
  /** GUICHET_PUBLIC_ORIGIN as an origin (`https://host[:port]`), or null. */
  publicOrigin: string | null;
  /** GUICHET_ALLOWED_HOSTS, lower case; loopback names and this machine's addresses come on top. */
  allowedHosts: string[];
  /** The trusted reverse proxies (`loopback`, addresses, CIDR ranges); empty: none. */
  trustProxy: string[];
  proxyHeader: 'x-forwarded-for' | 'forwarded' | 'x-real-ip';
  kioskBuildDir: string;
  catalogDir: string;
  kioskIdleSeconds: number;
  kioskCountdownSeconds: number;
  agentGraceSeconds: number;
  usbPrinters: boolean;
  folderPrinters: boolean;
  loopbackPrinters: boolean;
  limits: Limits;
  /** GUICHET_METRICS_TOKEN, or null: `/metrics` then answers direct loopback requests only. */
  metricsToken: string | null;
  /** GUICHET_HALL_CA_FILE, absolute, or null: the hall's root certificate offered for download. */
  hallCaFile: string | null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Variables whose value a configuration error does not repeat. */
const secretVariables = new Set(['GUICHET_METRICS_TOKEN', 'GUICHET_DATABASE_URL']);

export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  // Empty strings count as unset, as shells and .env files often leave them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)');
        // A secret is not written to the logs, even a wrong one: its length says enough.
        const shown = secretVariables.has(name)
          ? `(hidden, ${(env[name] ?? '').length} characters)`
          : JSON.stringify(env[name] ?? '');
        return `${name}=${shown}: ${issue.message}`;
      })
    );
  }
  const e = result.data;
  const publicOrigin = e.GUICHET_PUBLIC_ORIGIN ? new URL(e.GUICHET_PUBLIC_ORIGIN).origin : null;
  const overHttps = publicOrigin?.startsWith('https:') ?? false;
  if (overHttps && e.GUICHET_SECURE_COOKIES === false) {
    // Cookies without Secure on an HTTPS site could leak over plain HTTP: say so rather than pick one.
    throw new ConfigError([
      `GUICHET_SECURE_COOKIES=${JSON.stringify(env.GUICHET_SECURE_COOKIES)}: Guichet is reached over HTTPS (GUICHET_PUBLIC_ORIGIN=${publicOrigin}), so its cookies must be secure; remove GUICHET_SECURE_COOKIES`
    ]);
  }
  const dataDir = path.resolve(cwd, e.GUICHET_DATA_DIR);
  return {
    host: e.GUICHET_HOST,
    port: e.GUICHET_PORT,
    dataDir,
    databaseFile: path.join(dataDir, 'guichet.sqlite'),
    databaseUrl: e.GUICHET_DATABASE_URL ?? null,
    nodeName: e.GUICHET_NODE_NAME ?? null,
    backupDir: e.GUICHET_BACKUP_DIR ? path.resolve(cwd, e.GUICHET_BACKUP_DIR) : path.join(dataDir, 'backups'),
    backupsKept: e.GUICHET_BACKUPS_KEPT,
    logLevel: e.GUICHET_LOG_LEVEL,
    demo: e.GUICHET_DEMO,
    demoAutoPair: e.GUICHET_DEMO_AUTOPAIR,
    agentSessionHours: e.GUICHET_AGENT_SESSION_HOURS,
    managerSessionHours: e.GUICHET_MANAGER_SESSION_HOURS,
    pairingMinutes: e.GUICHET_PAIRING_MINUTES,
    secureCookies: e.GUICHET_SECURE_COOKIES ?? overHttps,
    publicOrigin,
    allowedHosts: e.GUICHET_ALLOWED_HOSTS ?? [],
    trustProxy: e.GUICHET_TRUST_PROXY ?? [],
    proxyHeader: e.GUICHET_PROXY_HEADER,
    kioskBuildDir: path.resolve(cwd, e.GUICHET_KIOSK_BUILD),
    catalogDir: path.resolve(cwd, e.GUICHET_CATALOG_DIR),
    kioskIdleSeconds: e.GUICHET_KIOSK_IDLE_SECONDS,
    kioskCountdownSeconds: e.GUICHET_KIOSK_COUNTDOWN_SECONDS,
    agentGraceSeconds: e.GUICHET_AGENT_GRACE_SECONDS,
    usbPrinters: e.GUICHET_USB_PRINTERS,
    folderPrinters: e.GUICHET_FOLDER_PRINTERS,
    loopbackPrinters: e.GUICHET_LOOPBACK_PRINTERS,
    limits: {
      commandsPerSecond: e.GUICHET_COMMANDS_PER_SECOND,
      commandBurst: e.GUICHET_COMMAND_BURST,
      connectionsPerCredential: e.GUICHET_CONNECTIONS_PER_CREDENTIAL,
      sessionMaxBytes: e.GUICHET_SESSION_MAX_KB * 1024,
      sessionPatchesKept: e.GUICHET_SESSION_PATCHES_KEPT,
      pairingsPerMinute: e.GUICHET_PAIRINGS_PER_MINUTE,
      pairingsPendingMax: e.GUICHET_PAIRINGS_PENDING_MAX,
      speechTimeoutMs: e.GUICHET_SPEECH_TIMEOUT_MS,
      procedureParseTimeoutMs: e.GUICHET_PROCEDURE_PARSE_TIMEOUT_MS
    },
    metricsToken: e.GUICHET_METRICS_TOKEN ?? null,
    hallCaFile: e.GUICHET_HALL_CA_FILE ? path.resolve(cwd, e.GUICHET_HALL_CA_FILE) : null
  };
}

/** Loopback only: 127.0.0.0/8, ::1 and the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
