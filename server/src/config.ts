/**
 * Server configuration: read once from the environment, validated with zod. A wrong value stops
 * start-up with a message naming the variable; every default lets `npm start` work on an empty
 * machine.
 */
import path from 'node:path';
import { z } from 'zod';

const booleanFlag = z.enum(['1', '0', 'true', 'false', 'yes', 'no']).transform((v) => v === '1' || v === 'true' || v === 'yes');

const envSchema = z.object({
  GUICHET_HOST: z.string().min(1).default('127.0.0.1'),
  GUICHET_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  GUICHET_DATA_DIR: z.string().min(1).default('./data'),
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
  /** Set when the hall network reaches Guichet over HTTPS (e.g. behind a reverse proxy). */
  GUICHET_SECURE_COOKIES: booleanFlag.default(false),
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
   * USB receipt printers: `file:///dev/usb/…`, character devices under /dev/usb only.
   */
  GUICHET_USB_PRINTERS: booleanFlag.default(false),
  /** `folder://` printers (development, demonstrations), in a folder inside the data folder only. */
  GUICHET_FOLDER_PRINTERS: booleanFlag.default(false),
  /** `tcp://` printers on this machine (loopback addresses, Guichet's own port): printer simulators, tests. */
  GUICHET_LOOPBACK_PRINTERS: booleanFlag.default(false),
  /** Where the built SvelteKit app is; tests of the server alone run without it. */
  GUICHET_KIOSK_BUILD: z.string().min(1).default('./kiosk/build')
});

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseFile: string;
  logLevel: z.infer<typeof envSchema>['GUICHET_LOG_LEVEL'];
  demo: boolean;
  demoAutoPair: boolean;
  agentSessionHours: number;
  managerSessionHours: number;
  pairingMinutes: number;
  secureCookies: boolean;
  kioskBuildDir: string;
  catalogDir: string;
  kioskIdleSeconds: number;
  kioskCountdownSeconds: number;
  agentGraceSeconds: number;
  usbPrinters: boolean;
  folderPrinters: boolean;
  loopbackPrinters: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  // Empty strings count as unset, as shells and .env files often leave them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)');
        return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
      })
    );
  }
  const e = result.data;
  const dataDir = path.resolve(cwd, e.GUICHET_DATA_DIR);
  return {
    host: e.GUICHET_HOST,
    port: e.GUICHET_PORT,
    dataDir,
    databaseFile: path.join(dataDir, 'guichet.sqlite'),
    logLevel: e.GUICHET_LOG_LEVEL,
    demo: e.GUICHET_DEMO,
    demoAutoPair: e.GUICHET_DEMO_AUTOPAIR,
    agentSessionHours: e.GUICHET_AGENT_SESSION_HOURS,
    managerSessionHours: e.GUICHET_MANAGER_SESSION_HOURS,
    pairingMinutes: e.GUICHET_PAIRING_MINUTES,
    secureCookies: e.GUICHET_SECURE_COOKIES,
    kioskBuildDir: path.resolve(cwd, e.GUICHET_KIOSK_BUILD),
    catalogDir: path.resolve(cwd, e.GUICHET_CATALOG_DIR),
    kioskIdleSeconds: e.GUICHET_KIOSK_IDLE_SECONDS,
    kioskCountdownSeconds: e.GUICHET_KIOSK_COUNTDOWN_SECONDS,
    agentGraceSeconds: e.GUICHET_AGENT_GRACE_SECONDS,
    usbPrinters: e.GUICHET_USB_PRINTERS,
    folderPrinters: e.GUICHET_FOLDER_PRINTERS,
    loopbackPrinters: e.GUICHET_LOOPBACK_PRINTERS
  };
}

/** Loopback only: 127.0.0.0/8, ::1 and the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
