/**
 * Two Guichet nodes in this process (two servers, each with its own memory, joined by the socket.io
 * adapter as in production) on one PostgreSQL database of a throwaway cluster of the spec's own.
 * Registers the spec's hooks: the cluster for the file, two fresh servers for each test.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startPgCluster, type PgCluster } from '../../../scripts/pg-cluster';
import { shippedCatalogDir } from '../procedures/catalog';
import { startTestServer, testCatalogDir, type TestServer } from './test-server';

/** The two servers of the running test, and their database's URL (for a test's own connection). */
interface TwoNodes {
  first: TestServer;
  second: TestServer;
  databaseUrl: string;
}

export function twoNodesOnOneDatabase(): TwoNodes {
  let cluster: PgCluster | undefined;
  const nodes = {} as TwoNodes;
  beforeAll(async () => {
    cluster = await startPgCluster({ durable: false });
    nodes.databaseUrl = cluster.url;
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  beforeEach(async () => {
    // Both are handed the cluster's URL: neither makes (nor drops) a database of its own.
    const env = { GUICHET_DATABASE_URL: cluster!.url };
    const catalogDirs = [shippedCatalogDir, testCatalogDir];
    nodes.first = await startTestServer(env, { catalogDirs });
    nodes.second = await startTestServer(env, { catalogDirs });
  });
  afterEach(async () => {
    await nodes.second?.close();
    await nodes.first?.close();
  });
  return nodes;
}
