/**
 * @module
 * Programmatic API for test runners: `const fc = await start({ clock: 'manual' }); … await fc.stop();`
 */
export { start, type RunningLocalfc } from './server.ts';
export { createApp, type LocalfcApp } from './app.ts';
export { type Config, type ConfigInput, ConfigSchema } from './config.ts';
export { ManualClock, SystemClock, type Clock } from './clock.ts';
export { sequentialIds, randomIds, type IdGenerator } from './ids.ts';
