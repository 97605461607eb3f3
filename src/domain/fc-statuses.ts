/**
 * @module
 * The HTTP status FC answers each of its error codes with, where FC's error pages give one (the API definition's
 * errors.json, reference/fc3-definition/; test/unit/fc-statuses.test.ts keeps the two equal). A code localfc raises
 * without choosing a status (an instance's failure, a fault rule's `error` without `status`) takes it from here.
 */
export const FC_STATUS: Readonly<Record<string, number>> = {
  AccessDenied: 403,
  AdditionalVersionContainsMajorVersion: 400,
  AliasAlreadyExists: 409,
  AliasNotFound: 404,
  AsyncConfigNotExists: 404,
  AsyncInvocationStopped: 412,
  BadResponse: 502,
  // "The function either cannot be started or exited": a client-side (4xx) condition on FC, so clients do not retry it as a 5xx.
  CAExited: 412,
  CAFileNotFound: 412,
  CAFilePermission: 412,
  ClientClosedRequest: 499,
  ConcurrentUpdateError: 409,
  DestinationDeliveryFailed: 500,
  DomainNameAlreadyExists: 409,
  DomainNameNotFound: 404,
  EntityTooLarge: 400,
  FunctionNotFound: 404,
  InstanceMetricsRequired: 400,
  InternalServerError: 500,
  InvalidAccessKeyID: 403,
  InvalidArgument: 400,
  MissingRequiredHeader: 400,
  PathNotSupported: 400,
  ResourceExhausted: 429,
  ResourceThrottled: 503,
  ServiceNotFound: 404,
  SignatureNotMatch: 403,
  VersionNotFound: 404,
};

/** FC's status for `code`, or `fallback` when FC's pages give none. */
export function statusOf(code: string, fallback: number): number {
  return Object.hasOwn(FC_STATUS, code) ? FC_STATUS[code]! : fallback;
}
