// Streams a CRM export (CSV) row by row: delimiter detection (comma, semicolon, tab), byte-order
// mark, CRLF / CR / LF line ends, quoted fields with embedded newlines and doubled quotes. Memory
// stays flat in the file size: only the current chunk and record are held.

import { createReadStream } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';

export type CsvDelimiter = ',' | ';' | '\t';
const CSV_DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];

export interface CsvRow {
  /** 1-based physical line where the record starts (a quoted field may span several lines). */
  line: number;
  fields: string[];
}

export interface CsvReadOptions {
  /** Force a delimiter. Default: detected from the header line. */
  delimiter?: CsvDelimiter;
}

/**
 * Picks the delimiter occurring most often in the first line (outside quotes); comma on a tie or
 * when none occurs. `head` is the start of the file.
 */
export function detectDelimiter(head: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(CSV_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of head.replace(/^\uFEFF/, '')) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch as CsvDelimiter))
      counts.set(ch as CsvDelimiter, counts.get(ch as CsvDelimiter)! + 1);
  }
  let best: CsvDelimiter = ',';
  for (const d of CSV_DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** Rewrites CRLF and lone CR line ends to LF, across chunk boundaries (so line numbers are exact). */
class LineEndNormaliser extends Transform {
  #pendingCr = false;
  constructor() {
    super({ decodeStrings: false, encoding: 'utf8' });
  }
  override _transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback): void {
    let s = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (this.#pendingCr) s = `\r${s}`;
    this.#pendingCr = s.endsWith('\r');
    if (this.#pendingCr) s = s.slice(0, -1);
    done(null, s.replace(/\r\n?/g, '\n'));
  }
  override _flush(done: TransformCallback): void {
    done(null, this.#pendingCr ? '\n' : '');
  }
}

/** A CSV error that stops reading (an unclosed quote at the end of the file, say). */
class CsvFormatError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.name = 'CsvFormatError';
    this.line = line;
  }
}

/** Reads records from text chunks (strings, already decoded). */
export async function* readCsv(
  source: AsyncIterable<string> | Iterable<string>,
  options: CsvReadOptions = {},
): AsyncGenerator<CsvRow> {
  const iterator = (
    Symbol.asyncIterator in source
      ? source[Symbol.asyncIterator]()
      : (source as Iterable<string>)[Symbol.iterator]()
  ) as AsyncIterator<string> | Iterator<string>;
  // Peek at the start to pick the delimiter, then replay it.
  const head: string[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < 65_536 && !done) {
    const next = await iterator.next();
    if (next.done) done = true;
    else {
      head.push(next.value);
      headLength += next.value.length;
      if (next.value.includes('\n') || next.value.includes('\r')) break;
    }
  }
  const delimiter = options.delimiter ?? detectDelimiter(head.join(''));
  async function* replay(): AsyncGenerator<string> {
    yield* head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const parser = Readable.from(replay())
    .pipe(new LineEndNormaliser())
    .pipe(
      parse({
        delimiter,
        bom: true,
        info: true,
        raw: true,
        record_delimiter: '\n',
        relax_column_count: true,
        skip_empty_lines: true,
        relax_quotes: true,
      }),
    );
  try {
    for await (const r of parser as AsyncIterable<{
      record: string[];
      raw: string;
      info: { lines: number };
    }>) {
      // The record ends on info.lines; it starts as many lines earlier as it holds line breaks
      // (skipped empty lines before it and its own trailing break excluded).
      const body = r.raw.replace(/^\n+/, '').replace(/\n$/, '');
      let breaks = 0;
      for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) breaks++;
      yield { line: r.info.lines - breaks, fields: r.record };
    }
  } catch (err) {
    const e = err as { code?: string; message: string; lines?: number };
    throw new CsvFormatError(e.message, e.lines ?? 0);
  }
}

/** Reads a CSV file, streamed. */
export function readCsvFile(path: string, options: CsvReadOptions = {}): AsyncGenerator<CsvRow> {
  return readCsv(createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 }), options);
}
