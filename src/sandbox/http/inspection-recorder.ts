import type { RecordedCall, RecordedWrite, SandboxInspection, TokenState } from '../sandbox-handle.ts';

/** Options for {@link InspectionRecorder}. */
export interface InspectionRecorderOptions {
  /** Where token states come from (each surface keeps its own token store). */
  tokens: () => TokenState[];
  /** Calls kept in the call log (the oldest are dropped, up to 10% over this); per-endpoint counts are never dropped. Default 100,000. */
  maxCalls?: number;
  /** Writes kept (the oldest are dropped, up to 10% over this). Default 1,000,000. */
  maxWrites?: number;
}

/**
 * The in-memory inspection log behind `handle.inspect` and the `/__sandbox/` routes, shared by
 * both surfaces. Logs are bounded so a long benchmark cannot exhaust memory.
 */
export class InspectionRecorder implements SandboxInspection {
  readonly #tokens: () => TokenState[];
  readonly #maxCalls: number;
  readonly #maxWrites: number;
  #calls: RecordedCall[] = [];
  #writes: RecordedWrite[] = [];
  #rateLimited: RecordedCall[] = [];
  #byEndpoint = new Map<string, number>();

  constructor(options: InspectionRecorderOptions) {
    this.#tokens = options.tokens;
    this.#maxCalls = options.maxCalls ?? 100_000;
    this.#maxWrites = options.maxWrites ?? 1_000_000;
  }

  /** Log one answered (or refused) call. `rateLimited` marks a 429 / quota refusal. */
  recordCall(call: RecordedCall, rateLimited = false): void {
    this.#calls.push(call);
    this.#calls = trim(this.#calls, this.#maxCalls);
    this.#byEndpoint.set(call.endpoint, (this.#byEndpoint.get(call.endpoint) ?? 0) + 1);
    if (rateLimited) {
      this.#rateLimited.push(call);
      this.#rateLimited = trim(this.#rateLimited, this.#maxCalls);
    }
  }

  recordWrite(write: RecordedWrite): void {
    this.#writes.push(write);
    this.#writes = trim(this.#writes, this.#maxWrites);
  }

  calls(): RecordedCall[] {
    return [...this.#calls];
  }

  callsByEndpoint(): Record<string, number> {
    return Object.fromEntries(this.#byEndpoint);
  }

  writes(): RecordedWrite[] {
    return [...this.#writes];
  }

  rateLimited(): RecordedCall[] {
    return [...this.#rateLimited];
  }

  tokens(): TokenState[] {
    return this.#tokens();
  }

  reset(): void {
    this.#calls = [];
    this.#writes = [];
    this.#rateLimited = [];
    this.#byEndpoint = new Map();
  }
}

/** Drop the oldest entries in chunks (10% over the cap), so a capped log costs O(1) per entry on average. */
function trim<T>(items: T[], max: number): T[] {
  return items.length > max + Math.ceil(max / 10) ? items.slice(items.length - max) : items;
}
