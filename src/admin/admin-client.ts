import type { AdminErrorBody } from './admin-error.ts';

/** A non-2xx answer of the admin API, with its stable code. */
export class AdminClientError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: unknown;

  constructor(status: number, code: string, message: string, body: unknown) {
    super(message);
    this.name = 'AdminClientError';
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** A small typed-enough client of the admin API (what the `api` CLI commands use). */
export class AdminClient {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  /** @param options.timeoutMs per request; default 30,000. */
  constructor(options: { baseUrl: string; token: string; timeoutMs?: number }) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    const res = await fetch(`${this.#baseUrl}${path}`, {
      method,
      headers: {
        ...extraHeaders,
        authorization: `Bearer ${this.#token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const error = (parsed as Partial<AdminErrorBody> | null)?.error;
      const fields = error?.fields?.map((f) => `\n  ${f.path}: ${f.message}`).join('') ?? '';
      throw new AdminClientError(
        res.status,
        error?.code ?? `HTTP_${res.status}`,
        `${error?.message ?? res.statusText}${fields}`,
        parsed,
      );
    }
    return parsed as T;
  }

  listTenants() {
    return this.request('GET', '/tenants');
  }
  getTenant(id: string) {
    return this.request('GET', `/tenants/${enc(id)}`);
  }
  createTenant(tenant: unknown) {
    return this.request('POST', '/tenants', tenant);
  }
  deleteTenant(id: string, purge: boolean) {
    return this.request('DELETE', `/tenants/${enc(id)}${purge ? '?purge=true' : ''}`);
  }
  getSchedule(id: string) {
    return this.request('GET', `/tenants/${enc(id)}/schedule`);
  }
  setSchedule(id: string, schedule: { nightly: string; timezone: string; incrementalEveryMinutes: number }) {
    return this.request('PUT', `/tenants/${enc(id)}/schedule`, schedule);
  }
  runNow(id: string, fullResync: boolean, idempotencyKey?: string) {
    return this.request<{ runId: string; status: string }>(
      'POST',
      `/tenants/${enc(id)}/runs`,
      { fullResync },
      idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
    );
  }
  run(id: string, runId: string) {
    return this.request<{ runId: string; status: string }>('GET', `/tenants/${enc(id)}/runs/${enc(runId)}`);
  }
  status(id: string) {
    return this.request('GET', `/tenants/${enc(id)}/status`);
  }
  explain(id: string, dealId: string) {
    return this.request('GET', `/tenants/${enc(id)}/deals/${enc(dealId)}/explain`);
  }
  modelReport(id: string) {
    return this.request('GET', `/tenants/${enc(id)}/model/report`);
  }
  train(id: string) {
    return this.request('POST', `/tenants/${enc(id)}/train`);
  }
  setPaused(id: string, paused: boolean) {
    return this.request('POST', `/tenants/${enc(id)}/${paused ? 'pause' : 'resume'}`);
  }
  audit(limit = 100) {
    return this.request('GET', `/audit?limit=${limit}`);
  }
  reportLink(id: string, minutes?: number) {
    return this.request('POST', `/tenants/${enc(id)}/report-links`, minutes === undefined ? {} : { minutes });
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
