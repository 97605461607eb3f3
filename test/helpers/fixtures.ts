/**
 * @module
 * Small domain values shared by unit tests.
 */
import type { Revision } from '../../src/domain/model.ts';

/** A built-in-runtime revision with FC's default configuration. */
export const sampleRevision: Revision = {
  id: 1,
  config: { runtime: 'nodejs20', handler: 'i.h', description: '', timeout: 3, memorySize: 512, cpu: 0.35, diskSize: 512, instanceConcurrency: 1, internetAccess: true, environmentVariables: {}, layers: [], passthrough: {} },
  codeChecksum: '1',
  codeSize: 1,
  createdAt: 0,
};
