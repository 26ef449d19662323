/** Socket.io clients that reconnect by themselves, as the kiosk and the tablet do: for restart and failover specs. */
import { io as connectClient } from 'socket.io-client';
import type { TestClient } from './test-server';

/** Connected once; reconnects quickly after the server goes away. The caller disconnects it. */
export function connectReconnecting(url: string, face: 'kiosk' | 'agent' | 'manager', token: string): Promise<TestClient> {
  const client: TestClient = connectClient(url, {
    auth: { face, token },
    transports: ['websocket'],
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    forceNew: true
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('connect_error', reject);
  });
}

/** Resolves at the client's next reconnection. */
export const reconnected = (client: TestClient) => new Promise<void>((resolve) => client.io.once('reconnect', () => resolve()));
