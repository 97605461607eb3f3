/**
 * @module
 * The server log: one line per request and per invocation, plus the odd notice. Written through pino's asynchronous
 * destination (sonic-boom), so a line costs a buffer append, not a synchronous write to a pipe (that cost GetFunction
 * about a third of its throughput). `text` writes the human-readable line, `json` a pino record with the fields.
 * Lines are gathered for up to BATCH_MS and handed to the destination together: under load one write(2) carries
 * hundreds of lines, where sonic-boom alone issued a write per event-loop turn or so (a tenth of a GetFunction's CPU).
 * A write's cost hardly grows with its size (to a drained pipe: ~2.5 µs per line in 4.5 KB writes, ~0.5 in 64 KB).
 */
import { destination, pino, stdTimeFunctions } from 'pino';

/**
 * A log call: the human-readable line, and the same facts as fields for `--log json`. `lineOnly` is set on a log that
 * writes the line alone, so that a line written per request need not build its fields.
 */
export type LogFn = ((line: string, fields?: Readonly<Record<string, unknown>>) => void) & { readonly lineOnly?: boolean };

const lineOnly = (log: (line: string) => void): LogFn => Object.assign(log, { lineOnly: true });

export interface ServerLog {
  readonly log: LogFn;
  /** Writes out what is gathered or buffered, synchronously: the app's close(), after which exiting writes nothing more. */
  flush(): void;
}

/** The longest a line waits before it is written: too short for a person watching the terminal to notice. */
const BATCH_MS = 100;
/** Gathered lines are written at once past this many characters, whatever the time. */
const BATCH_CHARS = 65_536;

/**
 * `sink` replaces the destination (tests collect lines; it gets notices even when silent, whose request lines the
 * callers skip); otherwise stderr.
 */
export function createServerLog(format: 'text' | 'json' | 'silent', sink?: (line: string) => void): ServerLog {
  if (sink) return { log: format === 'json' ? (line, fields) => sink(JSON.stringify({ ...fields, msg: line })) : lineOnly((line) => sink(line)), flush: () => {} };
  if (format === 'silent') return { log: () => {}, flush: () => {} };
  // fd 2 is shared with the rest of the process: never end() it, only flush.
  // Made at the first hand-over, not here: loading pino is no part of answering the first request.
  let dest: ReturnType<typeof destination> | undefined;
  // Hand-written gathering: sonic-boom's own (minLength) keeps a short buffer until the next line or a periodic flush
  // that writes even when there is nothing to write; this arms one timer only while a line waits.
  let gathered = '';
  let timer: NodeJS.Timeout | undefined;
  const handOver = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const text = gathered;
    gathered = '';
    if (text) (dest ??= destination({ dest: 2, sync: false })).write(text);
  };
  const write = (text: string) => {
    gathered += text;
    if (gathered.length >= BATCH_CHARS) handOver();
    else if (!timer) timer = setTimeout(handOver, BATCH_MS).unref();
  };
  const flush = () => {
    handOver();
    try {
      dest?.flushSync();
    } catch {
      /* nothing buffered, or stderr is gone */
    }
  };
  // A process that exits without closing the app (an uncaught error, process.exit elsewhere) still writes its last lines.
  process.once('exit', flush);
  const closingFlush = () => {
    process.off('exit', flush);
    flush();
  };
  if (format === 'text') return { log: lineOnly((line) => write(`${line}\n`)), flush: closingFlush };
  let logger: ReturnType<typeof pino> | undefined;
  return { log: (line, fields) => (logger ??= pino({ base: null, timestamp: stdTimeFunctions.isoTime }, { write })).info(fields ?? {}, line), flush: closingFlush };
}
