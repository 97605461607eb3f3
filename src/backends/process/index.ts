export { ProcessBackend, type ProcessBackendOptions } from './process-backend.ts';
