/**
 * @module
 * How long N functions take to go Pending → Active: on the manual clock (one advance) and on the real clock with a
 * time scale (wall time from the first create until the last is Active, against the scaled preparation delay).
 */
import { createApp } from '../src/app.ts';
import { parseConfig } from '../src/config.ts';
import { createAll } from './fixtures.ts';

export interface ActivationResult { name: string; n: number; createMs: number; activeMs: number; nominalMs: number }

export async function activation(n = 1000, timeScale = 0.01): Promise<ActivationResult[]> {
  const out: ActivationResult[] = [];

  const manual = createApp(parseConfig({ clock: 'manual', log: 'silent' }));
  let t0 = performance.now();
  await createAll(manual.app, n, 'man');
  const manualCreate = performance.now() - t0;
  t0 = performance.now();
  await manual.clock.advance(1000);
  await manual.functions.quiesce();
  const manualActive = performance.now() - t0;
  if (Array.from({ length: n }, (_, i) => manual.functions.get(`man_${i}`)).some((f) => f.state !== 'Active')) throw new Error('manual clock: not all Active');
  out.push({ name: 'manual clock: one `advance(1000)`', n, createMs: manualCreate, activeMs: manualActive, nominalMs: 0 });
  await manual.close();

  const scaled = createApp(parseConfig({ clock: 'real', timeScale, log: 'silent' }));
  t0 = performance.now();
  await createAll(scaled.app, n, 'sc');
  const scaledCreate = performance.now() - t0;
  const names = Array.from({ length: n }, (_, i) => `sc_${i}`);
  while (names.some((name) => scaled.functions.get(name).state !== 'Active')) await new Promise((r) => setTimeout(r, 1));
  out.push({ name: `real clock, \`timeScale: ${timeScale}\``, n, createMs: scaledCreate, activeMs: performance.now() - t0, nominalMs: 1000 * timeScale });
  await scaled.close();
  return out;
}
