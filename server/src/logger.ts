/** Structured logs (JSON lines on stdout) with pino. Credentials are redacted wherever they appear. */
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { app: 'guichet' },
    redact: { paths: ['token', 'secret', '*.token', '*.secret', 'req.headers.cookie'], censor: '[redacted]' }
  });
}
