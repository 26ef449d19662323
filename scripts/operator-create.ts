/**
 * `npm run operator:create`: creates an operator (the hosting organisation's person who creates,
 * suspends and resumes sites at /exploitation) on the server's console. Being at the console is
 * what proves the right to do so, as for the first-start setup code.
 *
 *   npm run operator:create -- --login camille --first-name Camille
 *
 * Missing flags are asked for. The password is read without echo from a terminal, or as the first
 * line of standard input when it is not one (`… < file`), never from the command line (it would
 * stay in the shell's history and the process list).
 */
import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from '../shared/zod';
import { accountLoginSchema, firstNameSchema } from '../shared/schemas/account';
import { managerPasswordSchema } from '../shared/schemas/auth';
import { hashSecret } from '../server/src/auth/secrets';
import { ConfigError, parseConfig } from '../server/src/config';
import { openStore } from '../server/src/db/open-store';
import { createOperatorsRepository } from '../server/src/operators/operators.repository';

const input = z.object({ login: accountLoginSchema, firstName: firstNameSchema, password: managerPasswordSchema });

/** One line from the terminal, echoing `*` for a secret; or the next line of a piped stdin. */
function ask(question: string, secret: boolean, lines: AsyncIterator<string> | null): Promise<string> {
  if (lines) return lines.next().then((r) => (r.done ? '' : r.value));
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    if (secret) {
      // Each key typed is shown as nothing: the prompt alone stays on the line.
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
        if (s.includes(question)) process.stdout.write(question);
      };
    }
    rl.question(question, (answer) => {
      rl.close();
      if (secret) process.stdout.write('\n');
      resolve(answer);
    });
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { login: { type: 'string' }, 'first-name': { type: 'string' } }, strict: true });
  const config = parseConfig(process.env);
  const lines = process.stdin.isTTY ? null : readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const login = values.login ?? (await ask('Login: ', false, lines));
  const firstName = values['first-name'] ?? (await ask('First name: ', false, lines));
  const password = await ask('Password (10 characters or more): ', true, lines);
  if (!lines) {
    const again = await ask('Password again: ', true, null);
    if (again !== password) {
      console.error('The two passwords differ: nothing was created.');
      return 1;
    }
  }
  const parsed = input.safeParse({ login, firstName, password });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`);
    console.error('Nothing was created.');
    return 1;
  }
  const store = await openStore(config);
  try {
    const operators = createOperatorsRepository(store.executor);
    if (await operators.findByLogin(parsed.data.login)) {
      console.error(`An operator with the login ${parsed.data.login} already exists: nothing was created.`);
      return 1;
    }
    await operators.insert({
      id: randomUUID(),
      login: parsed.data.login,
      firstName: parsed.data.firstName,
      secretHash: await hashSecret(parsed.data.password),
      active: true,
      createdAt: new Date().toISOString()
    });
    console.log(`Operator ${parsed.data.login} created: log in at /exploitation.`);
    return 0;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof ConfigError
        ? error.message
        : `Creating the operator failed: ${error instanceof Error ? error.message : String(error)}`
    );
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
);
