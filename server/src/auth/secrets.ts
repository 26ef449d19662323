/**
 * PINs and passwords are hashed with argon2id (OWASP's first choice for password storage),
 * through @node-rs/argon2: maintained, prebuilt for Linux in its npm packages, no compiler needed.
 */

/**
 * Loaded at the first login or new PIN, not at every start: a server nobody has logged into yet
 * holds a few MB less.
 */
let argon2: Promise<typeof import('@node-rs/argon2')> | null = null;
const library = () => (argon2 ??= import('@node-rs/argon2'));

// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
const options = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export async function hashSecret(secret: string): Promise<string> {
  return (await library()).hash(secret, options);
}

export async function verifySecret(storedHash: string, secret: string): Promise<boolean> {
  try {
    return await (await library()).verify(storedHash, secret);
  } catch {
    // A malformed stored hash never authenticates anyone.
    return false;
  }
}

/** Verified against when a login is unknown, so that both paths cost the same time. */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashSecret('guichet-decoy-secret');
  return decoy;
}
