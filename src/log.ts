/**
 * @module
 * The server log: one line per request and per invocation, plus the odd notice. Written through pino's asynchronous
 * destination (sonic-boom), so a line costs a buffer append, not a synchronous write to a pipe (that cost GetFunction
 * about a third of its throughput). `text` writes the human-readable line, `json` a pino record with the fields.
 */
import pino from 'pino';

/** A log call: the human-readable line, and the same facts as fields for `--log json`. */
export type LogFn = (line: string, fields?: Readonly<Record<string, unknown>>) => void;

export interface ServerLog {
  readonly log: LogFn;
  /** Writes out what is buffered (before the process exits). */
  flush(): void;
}

/**
 * `sink` replaces the destination (tests collect lines; it gets notices even when silent, whose request lines the
 * callers skip); otherwise stderr.
 */
export function createServerLog(format: 'text' | 'json' | 'silent', sink?: (line: string) => void): ServerLog {
  if (sink) return { log: format === 'json' ? (line, fields) => sink(JSON.stringify({ ...fields, msg: line })) : (line) => sink(line), flush: () => {} };
  if (format === 'silent') return { log: () => {}, flush: () => {} };
  // fd 2 is shared with the rest of the process: never end() it, only flush.
  const dest = pino.destination({ dest: 2, sync: false });
  const flush = () => {
    try {
      dest.flushSync();
    } catch {
      /* nothing buffered, or stderr is gone */
    }
  };
  if (format === 'text') return { log: (line) => void dest.write(`${line}\n`), flush };
  const logger = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime }, dest);
  return { log: (line, fields) => logger.info(fields ?? {}, line), flush };
}
