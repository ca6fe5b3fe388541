import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP fault proxy for tests: it listens on a free loopback port in front of an upstream (the
 * CRM sandbox) and forwards every request, except those a rule picks, which meet a network fault
 * the sandbox's own fault plan cannot express (the sandbox only sees requests it receives; these
 * faults happen between the worker and the CRM):
 *
 * - `drop-answer`: forward, let the upstream process it (the CRM commits), then destroy the
 *   client's connection instead of answering: the caller never learns that its write landed.
 * - `hold`: never forward, never answer; the connection stays open until the proxy closes.
 * - `delay`: wait `delayMs`, then forward.
 * - `reset`: destroy the connection at once (TCP RST), nothing forwarded.
 *
 * Counters let tests await events instead of sleeping: `waitFor(n, match)` resolves when the proxy
 * has seen `n` matching requests. The upstream origin in answers (Salesforce's `instance_url`,
 * identity URLs) is rewritten to the proxy's, so a client that follows them stays behind the proxy.
 */

/** Which requests a rule or a counter matches. Every given field must match. */
interface RequestMatch {
  /** HTTP method, upper case; any when absent. */
  method?: string;
  /** Pathname (no query string): a substring, or a regular expression. Any when absent. */
  path?: string | RegExp;
  /** Only requests on a kept-alive connection that already carried another request. */
  reusedConnection?: boolean;
}

type FaultAction =
  | { kind: 'drop-answer' }
  | { kind: 'hold' }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'reset' };

interface FaultRule extends RequestMatch {
  action: FaultAction;
  /**
   * Which matching requests meet the fault, 1-based, counted from when the rule was added:
   * a number (that one), a list, or 'every'. Default 1 (the first match only).
   */
  occurrence?: number | number[] | 'every';
}

/** A rule in force; `hits` counts the requests it faulted. */
interface RuleHandle {
  readonly hits: number;
  /** Matching requests seen since the rule was added (faulted or not). */
  readonly seen: number;
  remove(): void;
}

/** One request the proxy received. */
interface SeenRequest {
  method: string;
  path: string;
  reusedConnection: boolean;
  /** The fault applied, or null when forwarded untouched. */
  fault: FaultAction['kind'] | null;
}

export interface FaultProxy {
  /** The proxy's origin, e.g. http://127.0.0.1:41234: use it as the CRM base URL. */
  readonly url: string;
  addRule(rule: FaultRule): RuleHandle;
  clearRules(): void;
  /** Every request received so far, in order. */
  requests(): SeenRequest[];
  /** Requests received so far that match. */
  count(match?: RequestMatch): number;
  /** Resolves once `n` matching requests were received; rejects after `timeoutMs` (default 60 s). */
  waitFor(n: number, match?: RequestMatch, timeoutMs?: number): Promise<void>;
  /** Connections open from clients right now (held ones included). */
  openConnections(): number;
  /** Held requests whose connection the client has not closed yet. */
  held(): number;
  /** Stop listening and destroy every connection (held requests end with a reset). */
  close(): Promise<void>;
}

interface RuleState {
  rule: FaultRule;
  seen: number;
  hits: number;
  removed: boolean;
}

function matches(m: RequestMatch, method: string, path: string, reused: boolean): boolean {
  if (m.method !== undefined && m.method.toUpperCase() !== method) return false;
  if (m.reusedConnection !== undefined && m.reusedConnection !== reused) return false;
  if (m.path === undefined) return true;
  return typeof m.path === 'string' ? path.includes(m.path) : m.path.test(path);
}

function picked(occurrence: FaultRule['occurrence'], n: number): boolean {
  if (occurrence === 'every') return true;
  if (Array.isArray(occurrence)) return occurrence.includes(n);
  return n === (occurrence ?? 1);
}

const TEXT_TYPES = /json|xml|text|javascript/i;

/** Start a fault proxy in front of `upstream` (an origin such as the sandbox's baseUrl). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const upstreamOrigin = target.origin;
  const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const rules: RuleState[] = [];
  const seen: SeenRequest[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  const served = new WeakMap<Socket, number>();
  const holding = new Set<Socket>();
  let origin = '';

  const server = http.createServer((req, res) => {
    const socket = req.socket;
    const before = served.get(socket) ?? 0;
    served.set(socket, before + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const reused = before > 0;
    let action: FaultAction | null = null;
    for (const state of rules) {
      if (state.removed || !matches(state.rule, method, path, reused)) continue;
      state.seen += 1;
      if (action === null && picked(state.rule.occurrence, state.seen)) {
        state.hits += 1;
        action = state.rule.action;
      }
    }
    seen.push({ method, path, reusedConnection: reused, fault: action?.kind ?? null });
    for (const w of [...waiters]) w();

    if (action?.kind === 'hold') {
      // Never answered; the client may give up (its connection closes) or the proxy closes.
      holding.add(socket);
      socket.once('close', () => holding.delete(socket));
      return;
    }
    if (action?.kind === 'reset') {
      socket.resetAndDestroy();
      return;
    }
    const forward = () => {
      const headers = { ...req.headers, host: target.host };
      // Answers are rewritten (origin), so ask for them uncompressed.
      delete headers['accept-encoding'];
      const out = http.request(
        { ...hostOf(target), method, path: req.url, headers, agent: upstreamAgent },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('error', () => socket.destroy());
          answer.on('end', () => {
            if (action?.kind === 'drop-answer') {
              // The upstream has processed (committed) the request: the client never hears of it.
              socket.destroy();
              return;
            }
            let body = Buffer.concat(chunks);
            const type = String(answer.headers['content-type'] ?? '');
            if (TEXT_TYPES.test(type) && body.includes(upstreamOrigin)) {
              body = Buffer.from(body.toString('utf8').replaceAll(upstreamOrigin, origin), 'utf8');
            }
            const outHeaders = { ...answer.headers };
            delete outHeaders['transfer-encoding'];
            outHeaders['content-length'] = String(body.length);
            res.writeHead(answer.statusCode ?? 502, outHeaders);
            res.end(body);
          });
        },
      );
      out.on('error', () => socket.destroy());
      req.pipe(out);
    };
    if (action?.kind === 'delay') setTimeout(forward, action.delayMs);
    else forward();
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const count = (match: RequestMatch = {}) =>
    seen.filter((s) => matches(match, s.method, s.path, s.reusedConnection)).length;

  return {
    url: origin,
    addRule(rule) {
      const state: RuleState = { rule, seen: 0, hits: 0, removed: false };
      rules.push(state);
      return {
        get hits() {
          return state.hits;
        },
        get seen() {
          return state.seen;
        },
        remove() {
          state.removed = true;
        },
      };
    },
    clearRules() {
      for (const r of rules) r.removed = true;
      rules.length = 0;
    },
    requests: () => [...seen],
    count,
    waitFor(n, match = {}, timeoutMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (count(match) < n) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`fault proxy: ${count(match)} of ${n} requests matching ${describe(match)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    openConnections: () => sockets.size,
    held: () => holding.size,
    async close() {
      for (const s of sockets) s.destroy();
      upstreamAgent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function hostOf(url: URL): { hostname: string; port: number } {
  return { hostname: url.hostname, port: Number(url.port || 80) };
}

function describe(m: RequestMatch): string {
  return `${m.method ?? '*'} ${m.path === undefined ? '*' : String(m.path)}${m.reusedConnection ? ' (reused)' : ''}`;
}
