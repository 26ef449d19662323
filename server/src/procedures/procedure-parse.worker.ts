/** Runs in a worker thread (see timed-worker.ts): reading a YAML file can take long (aliases). */
import type { ProcedureValidation } from '../../../shared/schemas/procedure';
import { validateProcedure } from './procedures.service';

export function run(source: string): ProcedureValidation {
  return validateProcedure(source);
}
