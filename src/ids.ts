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

/** Each byte value as two lower-case hex digits. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
/**
 * Six random hex digits (24 bits of one Math.random), by table: toString(16) of a 48-bit double and padStart cost
 * about 1.4 µs per request id on this machine (a tenth of what a GetFunction's own code spends), this ~0.1 µs.
 */
const hex6 = (): string => {
  const n = (Math.random() * 0x100_0000) | 0;
  return HEX[n >>> 16]! + HEX[(n >>> 8) & 0xff]! + HEX[n & 0xff]!;
};
const hex2 = (): string => HEX[(Math.random() * 0x100) | 0]!;

export function randomIds(): IdGenerator {
  // The second in hex, written once per second rather than per request.
  let second = Number.NaN;
  let secondHex = '';
  return {
    // 80 random bits from Math.random, not node:crypto: a request id must only differ from the others (it is no
    // secret), and loading node:crypto (~4 ms) was part of every start-up's first answer, a health check's included.
    requestId: (nowMs) => {
      const s = Math.floor(nowMs / 1000);
      if (s !== second) {
        second = s;
        secondHex = s.toString(16);
      }
      return `1-${secondHex}-${hex6()}${hex2()}-${hex6()}${hex6()}`;
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
