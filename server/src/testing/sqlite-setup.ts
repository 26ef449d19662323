/**
 * Setup file of the `sqlite` vitest project: its test servers open a SQLite file. A worker may
 * have run a `postgres` project's file before (both projects run in one vitest run, and workers are
 * reused), which left the PostgreSQL URL in its environment.
 */
import { testDatabaseUrlVariable } from './test-databases';

delete process.env[testDatabaseUrlVariable];
