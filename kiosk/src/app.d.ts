import type { IncomingMessage } from 'node:http';

declare global {
  namespace App {
    interface Platform {
      req: IncomingMessage;
    }
  }
}

export {};
