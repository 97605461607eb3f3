/**
 * @module
 * FC's rules for a function's own environment variables that localfc enforces at CreateFunction/UpdateFunction: the
 * `FC_` prefix is FC's (its runtime variables live there), and FC refuses the whole request for such a name with
 * `400 InvalidArgument` "The environment variable name '…' is reserved by Function Compute" (the wording real
 * deployments report; FC's environment-variable page lists the prefix as reserved).
 */
import { errors } from './errors.ts';

const RESERVED_PREFIX = 'FC_';

/** FC's environment-variable page: "A key must start with a letter and can contain only letters, digits, and underscores". */
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Same page: "The total size of all environment variables cannot exceed 4 KB" (names and values, UTF-8). */
const MAX_TOTAL_BYTES = 4096;

export function checkEnvironmentVariables(vars: Readonly<Record<string, string>> | undefined): void {
  let total = 0;
  for (const [name, value] of Object.entries(vars ?? {})) {
    if (name.startsWith(RESERVED_PREFIX)) throw errors.invalidArgument(`The environment variable name '${name}' is reserved by Function Compute`);
    if (!NAME.test(name)) throw errors.invalidArgument(`invalid environment variable name ${JSON.stringify(name)}: it must start with a letter and contain only letters, digits and underscores`);
    // No process can be given a NUL in its environment: accepted, it made every invocation fail.
    if (value.includes('\0')) throw errors.invalidArgument(`environment variable ${name} contains a NUL character`);
    total += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (total > MAX_TOTAL_BYTES) throw errors.invalidArgument(`environment variables total ${total} bytes, more than FC's limit of ${MAX_TOTAL_BYTES} (4 KB)`);
}
