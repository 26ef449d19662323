/** Expected errors go to the client as they are; anything else is logged with context and hidden. */
import type { Logger } from 'pino';
import { AppError, type ErrorBody } from '../../shared/errors';

export function toErrorBody(error: unknown, logger: Logger, context: Record<string, unknown>): ErrorBody {
  if (error instanceof AppError) return error.toBody();
  logger.error({ err: error, ...context }, 'unexpected error');
  return { code: 'internal', message: 'Something went wrong on the server; it has been logged' };
}
