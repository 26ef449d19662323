/** Setup file of the `postgres` vitest project: every worker's test servers open PostgreSQL. */
import { inject } from 'vitest';
import { testDatabaseUrlVariable } from './test-databases';

process.env[testDatabaseUrlVariable] = inject(testDatabaseUrlVariable);
