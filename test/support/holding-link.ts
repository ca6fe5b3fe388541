import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** How many times `needle` occurs in `text`. */
export function occurrences(text: string, needle: string): number {
  return needle === '' ? 0 : text.split(needle).length - 1;
}

/**
 * A TCP link in front of a redis-server, for fault tests: bytes pass both ways, until a command
 * the test names goes through; from then on the answers on that connection are held back (the
 * server has acted on the command, anyone else can see it, but the client has not heard back) until
 * the test releases them. A test aims a pause at exactly that moment, which a slow network or a busy
 * machine opens only by chance.
 */
export interface HoldingLink {
  /** The upstream's URL with the link's address. */
  readonly url: string;
  /**
   * Hold the answers of a connection once it has sent the `nth` (default 1st) command the test is
   * looking for: `count` says how many of them a chunk of sent bytes holds (a client may pipeline
   * several commands into one chunk).
   */
  holdAnswersAfter(count: (sent: string) => number, nth?: number): void;
  /** True once a connection is being held. */
  holding(): boolean;
  /** Let the held answers (and everything after them) through. */
  release(): void;
  close(): Promise<void>;
}

export async function startHoldingLink(upstreamUrl: string): Promise<HoldingLink> {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<net.Socket>();
  let counter: ((sent: string) => number) | null = null;
  let wanted = 1;
  let matched = 0;
  const held: { client: net.Socket; chunks: Buffer[] }[] = [];
  let released = false;

  const server = net.createServer((client) => {
    const up = net.connect(Number(upstream.port), upstream.hostname);
    sockets.add(client);
    sockets.add(up);
    let hold: { client: net.Socket; chunks: Buffer[] } | null = null;
    // The tail of the previous chunk, so a name split across two chunks is still seen.
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      tail = text.slice(-512);
      const found = held.length === 0 && !released && counter !== null ? counter(text) : 0;
      if (found > 0) {
        tail = ''; // counted once
        matched += found;
        if (matched >= wanted) {
          hold = { client, chunks: [] };
          held.push(hold);
        }
      }
      up.write(chunk);
    });
    up.on('data', (chunk: Buffer) => {
      if (hold !== null && !released) hold.chunks.push(chunk);
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      up.destroy();
      sockets.delete(client);
      sockets.delete(up);
    };
    for (const s of [client, up]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString().replace(/\/$/, ''),
    holdAnswersAfter(count, nth = 1) {
      counter = count;
      wanted = nth;
      matched = 0;
    },
    holding: () => held.length > 0,
    release() {
      released = true;
      for (const h of held) for (const c of h.chunks.splice(0)) if (!h.client.destroyed) h.client.write(c);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
