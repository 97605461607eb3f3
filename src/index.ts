/**
 * @module
 * Programmatic API for test runners: `const fc = await start({ clock: 'manual' }); … await fc.stop();`
 */
import { configSchema } from './config.ts';

export { start, type RunningLocalfc } from './server.ts';
export { createApp, type LocalfcApp } from './app.ts';
export { type Config, type ConfigInput } from './config.ts';
export { ManualClock, SystemClock, type Clock } from './clock.ts';
export { sequentialIds, randomIds, type IdGenerator } from './ids.ts';

/** The whole configuration's zod schema, what start() takes (the server builds only the given settings' part). */
export const ConfigSchema = configSchema();
