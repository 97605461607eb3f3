export { ProcessBackend, PLACEHOLDER_CREDENTIALS, type ProcessBackendOptions } from './process-backend.ts';
