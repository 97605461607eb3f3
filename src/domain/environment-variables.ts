/**
 * @module
 * FC's rules for a function's own environment variables that localfc enforces at CreateFunction/UpdateFunction: the
 * `FC_` prefix is FC's (its runtime variables live there), and FC refuses the whole request for such a name with
 * `400 InvalidArgument` "The environment variable name '…' is reserved by Function Compute" (the wording real
 * deployments report; FC's environment-variable page lists the prefix as reserved).
 */
import { errors } from './errors.ts';

const RESERVED_PREFIX = 'FC_';

export function checkEnvironmentVariables(vars: Readonly<Record<string, string>> | undefined): void {
  for (const name of Object.keys(vars ?? {})) {
    if (name.startsWith(RESERVED_PREFIX)) throw errors.invalidArgument(`The environment variable name '${name}' is reserved by Function Compute`);
  }
}
