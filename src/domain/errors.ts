/**
 * @module
 * The one error model: domain code throws FcError built from this catalogue; only api/errors.ts renders it.
 * Codes and statuses follow FC 3.0; choices where the cloud's value is unknown are listed in docs/behaviour.md.
 */

export class FcError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. x-acs-retry-after for throttling. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'FcError';
  }
}

export const errors = {
  invalidArgument: (message: string) => new FcError('InvalidArgument', 400, message),
  missingRequiredHeader: (name: string) => new FcError('MissingRequiredHeader', 400, `required HTTP header ${name} was not specified`),
  pathNotSupported: (method: string, path: string) =>
    new FcError('PathNotSupported', 400, `'${method}' against '${path}' is not supported`),
  entityTooLarge: (what: string, limit: number) =>
    new FcError('EntityTooLarge', 400, `${what} exceeds the limit of ${limit} bytes`),
  functionNotFound: (name: string) => new FcError('FunctionNotFound', 404, `function '${name}' does not exist`),
  functionAlreadyExists: (name: string) => new FcError('FunctionAlreadyExists', 409, `function '${name}' already exists`),
  concurrentUpdate: (name: string, why: string) =>
    new FcError('ConcurrentUpdateError', 409, `The operation cannot be performed at this time. ${why} for function '${name}'`),
  functionNotActive: (name: string, state: string, reasonCode: string | undefined) =>
    new FcError(
      'FunctionNotActive',
      412,
      `The function '${name}' cannot be invoked at this time. It is in state ${state}${reasonCode ? ` (stateReasonCode: ${reasonCode})` : ''}`,
    ),
  notFound: (code: string, message: string) => new FcError(code, 404, message),
  conflict: (code: string, message: string) => new FcError(code, 409, message),
  preconditionFailed: (code: string, message: string) => new FcError(code, 412, message),
  throttled: (message: string) => new FcError('ResourceThrottled', 429, message),
  accessDenied: (code: string, message: string) => new FcError(code, 403, message),
  internal: (message: string) => new FcError('InternalServerError', 500, message),
} as const;

export function isFcError(e: unknown): e is FcError {
  return e instanceof FcError;
}
