import { type DestinationStream, type Logger, pino } from 'pino';
import { redactSecrets, redactString } from './redact.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** pino level; default "info". */
  level?: string;
  /** Where log lines go; default stdout. Tests pass a stream to read them. */
  destination?: DestinationStream;
  /** Bound fields on every line (e.g. { service: 'worker' }). */
  base?: Record<string, unknown>;
}

/**
 * The one logger factory. Every log object and message passes through secret redaction, so a
 * token handed to the logger by mistake (in a tenant, an error, a header) never reaches output.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSecrets(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // Redact secrets inside the message strings too (e.g. an echoed Authorization header).
          const cleaned = args.map((arg) => (typeof arg === 'string' ? redactString(arg) : arg));
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination(1),
  );
}
