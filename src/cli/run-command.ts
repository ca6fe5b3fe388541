import { isAppError } from '../shared/app-error.ts';
import { redactString } from '../shared/redact.ts';

/** Exit codes: 0 ok, 1 failure, 2 bad configuration or usage (nothing was attempted). */
export const EXIT = { ok: 0, failure: 1, config: 2 } as const;

/**
 * Run a command body and turn any error into one clear stderr message and an exit code,
 * instead of a stack trace. Codes are stable (src/shared/error-codes.ts).
 */
export async function runCommand(body: () => Promise<number | undefined>): Promise<void> {
  try {
    process.exitCode = (await body()) ?? EXIT.ok;
  } catch (err) {
    if (isAppError(err)) {
      process.stderr.write(`pipeline-health: ${err.code}: ${redactString(err.message)}\n`);
      process.exitCode = err.code === 'CONFIG_INVALID' ? EXIT.config : EXIT.failure;
      return;
    }
    process.stderr.write(
      `pipeline-health: unexpected error: ${redactString((err as Error)?.stack ?? String(err))}\n`,
    );
    process.exitCode = EXIT.failure;
  }
}
