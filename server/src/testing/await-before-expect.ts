/**
 * The store answers with promises. A spec that forgets an `await` hands `expect` a promise, and
 * some matchers then pass whatever the answer (two promises are "equal"; a promise is never
 * null). Every matcher here refuses a promise, as subject or as expected value: `.resolves` and
 * `.rejects` still work, they hand the matcher the settled value.
 */
import { chai } from 'vitest';

const isPromise = (value: unknown) => value instanceof Promise;

chai.use((lib, utils) => {
  for (const name of Object.getOwnPropertyNames(lib.Assertion.prototype)) {
    if (!/^to[A-Z]/.test(name) || name === 'toString') continue;
    const descriptor = Object.getOwnPropertyDescriptor(lib.Assertion.prototype, name);
    if (typeof descriptor?.value !== 'function') continue;
    utils.overwriteMethod(
      lib.Assertion.prototype,
      name,
      (original: (...args: unknown[]) => unknown) =>
        function (this: object, ...args: unknown[]) {
          if (isPromise(utils.flag(this, 'object')) && !['toBeInstanceOf', 'toSatisfy'].includes(name)) {
            throw new Error(`expect(…).${name}() was given a promise: await it first`);
          }
          if (args.some(isPromise)) throw new Error(`expect(…).${name}(…) was given a promise to compare with: await it first`);
          return original.apply(this, args);
        }
    );
  }
});
