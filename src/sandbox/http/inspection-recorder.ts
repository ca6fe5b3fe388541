import type { RecordedCall, RecordedWrite, SandboxInspection, TokenState } from '../sandbox-handle.ts';

/** Options for {@link InspectionRecorder}. */
export interface InspectionRecorderOptions {
  /** Where token states come from (each surface keeps its own token store). */
  tokens: () => TokenState[];
  /** Most calls kept in the call log (oldest dropped first); per-endpoint counts are never dropped. Default 100,000. */
  maxCalls?: number;
  /** Most writes kept (oldest dropped first). Default 1,000,000. */
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
    if (this.#calls.length > this.#maxCalls) this.#calls.splice(0, this.#calls.length - this.#maxCalls);
    this.#byEndpoint.set(call.endpoint, (this.#byEndpoint.get(call.endpoint) ?? 0) + 1);
    if (rateLimited) {
      this.#rateLimited.push(call);
      if (this.#rateLimited.length > this.#maxCalls) this.#rateLimited.shift();
    }
  }

  recordWrite(write: RecordedWrite): void {
    this.#writes.push(write);
    if (this.#writes.length > this.#maxWrites) this.#writes.splice(0, this.#writes.length - this.#maxWrites);
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
