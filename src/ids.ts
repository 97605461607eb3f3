/**
 * @module
 * Id generation, injected so tests can make ids predictable.
 */
import { createHash, randomUUID } from 'node:crypto';
import { customAlphabet } from 'nanoid';

export interface IdGenerator {
  /** FC request ids look like `1-64e70cf1-15a2c7e3-8f3a1b2c4d5e`. */
  requestId(nowMs: number): string;
  uuid(): string;
  /** Short lower-case id for instances, tasks, triggers. */
  shortId(): string;
}

const alnum = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 16);

export function randomIds(): IdGenerator {
  // The second in hex, written once per second rather than per request.
  let second = Number.NaN;
  let secondHex = '';
  return {
    // The first and last groups of a v4 UUID are all random hex: one call of Node's pooled generator per request id,
    // where the two nanoid calls cost about 1% of a GetFunction.
    requestId: (nowMs) => {
      const u = randomUUID();
      const s = Math.floor(nowMs / 1000);
      if (s !== second) {
        second = s;
        secondHex = s.toString(16);
      }
      return `1-${secondHex}-${u.slice(0, 8)}-${u.slice(24)}`;
    },
    uuid: () => randomUUID(),
    shortId: () => alnum(),
  };
}

/** Deterministic ids (a counter hashed with a seed), for tests that compare whole bodies. */
export function sequentialIds(seed = 'localfc'): IdGenerator {
  let n = 0;
  const next = () => createHash('sha256').update(`${seed}:${++n}`).digest('hex');
  return {
    requestId: (nowMs) => `1-${Math.floor(nowMs / 1000).toString(16)}-${next().slice(0, 8)}-${next().slice(0, 12)}`,
    uuid: () => {
      const h = next();
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
    shortId: () => next().slice(0, 16),
  };
}
