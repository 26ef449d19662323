/**
 * Type-level test of the hub's handler table, as socket.io tests its event maps (`*.test-d.ts`):
 * checked by `tsc` (`npm test`'s type-check), never run. app.ts builds the table by spreading
 * these factories; a spread is not checked for extra keys, so this says what the table holds.
 */
import { expectTypeOf } from 'vitest';
import type { CommandName, SignalName } from '../../../shared/contract';
import type { createAccountHandlers } from './handlers/account.handlers';
import type { createCallHandlers } from './handlers/call.handlers';
import type { createManagerHandlers } from './handlers/manager.handlers';
import type { createPrintHandlers } from './handlers/print.handlers';
import type { createPrivacyHandlers } from './handlers/privacy.handlers';
import type { createProcedureHandlers } from './handlers/procedure.handlers';
import type { createQueueHandlers } from './handlers/queue.handlers';
import type { createSessionHandlers } from './handlers/session.handlers';
import type { createSettingsHandlers } from './handlers/settings.handlers';
import type { createSignalHandlers } from './handlers/signal.handlers';
import type { createSiteHandlers } from './handlers/site.handlers';
import type { createStatisticsHandlers } from './handlers/statistics.handlers';
import type { createTerminalHandlers } from './handlers/terminal.handlers';
import type { CommandHandlers } from './types';

type Table = ReturnType<typeof createSiteHandlers> &
  ReturnType<typeof createProcedureHandlers> &
  ReturnType<typeof createSettingsHandlers> &
  ReturnType<typeof createTerminalHandlers> &
  ReturnType<typeof createSessionHandlers> &
  ReturnType<typeof createCallHandlers> &
  ReturnType<typeof createManagerHandlers> &
  ReturnType<typeof createQueueHandlers> &
  ReturnType<typeof createStatisticsHandlers> &
  ReturnType<typeof createPrivacyHandlers> &
  ReturnType<typeof createAccountHandlers> &
  ReturnType<typeof createPrintHandlers>;

// Every command of the contract has a handler, and every handler answers a command of the contract.
expectTypeOf<keyof Table>().toEqualTypeOf<CommandName>();
// Each takes its command's payload and returns its command's result.
expectTypeOf<Table>().toExtend<CommandHandlers>();
// Signals (unacknowledged) likewise.
expectTypeOf<keyof ReturnType<typeof createSignalHandlers>>().toEqualTypeOf<SignalName>();
