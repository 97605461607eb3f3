/**
 * @module
 * The one error model: domain code throws FcError built from this catalogue; only api/errors.ts renders it.
 * Codes and statuses follow FC 3.0; choices where the cloud's value is unknown are listed in docs/behaviour.md.
 * The codes a function's state or an instance carries (stateReasonCode, a failed start's code) are in reason-codes.ts.
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
  entityTooLarge: (what: string, limit: number, headers?: Record<string, string>) =>
    new FcError('EntityTooLarge', 400, `${what} exceeds the limit of ${limit} bytes`, headers),
  functionNotFound: (name: string) => new FcError('FunctionNotFound', 404, `function '${name}' does not exist`),
  /** DeleteFunction while triggers remain (FC's "function '%s' has active triggers"). */
  functionNotEmpty: (name: string, triggers: readonly string[]) =>
    new FcError('FunctionNotEmpty', 409, `function '${name}' has active triggers (${triggers.map((t) => `'${t}'`).join(', ')}); delete them first`),
  /** DeleteFunction while a provision config keeps instances (the code Serverless Devs' `s remove` retries on). */
  provisionConfigExist: (name: string, qualifiers: readonly string[]) =>
    new FcError('ProvisionConfigExist', 409, `function '${name}' has provision config (qualifier ${qualifiers.join(', ')}) with a target above 0; delete it first`),
  /** DeleteFunction while a scaling config keeps resident instances (minInstances above 0). */
  residentScalingConfigExists: (name: string, qualifiers: readonly string[]) =>
    new FcError('ResidentScalingConfigExists', 409, `function '${name}' has scaling config (qualifier ${qualifiers.join(', ')}) with resident instances (minInstances above 0); delete it first`),
  functionAlreadyExists: (name: string) => new FcError('FunctionAlreadyExists', 409, `function '${name}' already exists`),
  concurrentUpdate: (name: string, why: string) =>
    new FcError('ConcurrentUpdateError', 409, `The operation cannot be performed at this time. ${why} for function '${name}'`),
  functionNotActive: (name: string, state: string, reasonCode: string | undefined) =>
    new FcError(
      'FunctionNotActive',
      412,
      `The function '${name}' cannot be invoked at this time. It is in state ${state}${reasonCode ? ` (stateReasonCode: ${reasonCode})` : ''}`,
    ),
  triggerNotFound: (fn: string, name: string) => new FcError('TriggerNotFound', 404, `trigger '${name}' does not exist in function '${fn}'`),
  triggerAlreadyExists: (fn: string, name: string) => new FcError('TriggerAlreadyExists', 409, `trigger '${name}' already exists in function '${fn}'`),
  /** FC-ERRCENTER's code and wording ("additionalVersionWeight %+v should not contain major version %d", Go's %+v of a map). */
  additionalVersionContainsMajorVersion: (weights: Readonly<Record<string, number>>, versionId: string) =>
    new FcError('AdditionalVersionContainsMajorVersion', 400, `additionalVersionWeight map[${Object.entries(weights).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}:${v}`).join(' ')}] should not contain major version ${versionId}`),
  /** errors.json (FC3-ERRCODES): a target-tracking policy needs the function's instance metrics (logConfig.enableInstanceMetrics). */
  instanceMetricsRequired: () => new FcError('InstanceMetricsRequired', 400, 'Target tracking policy required instance metrics enabled.'),
  /** A second HTTP trigger for one version or alias: FC documents the limit, not its code (docs/behaviour.md). */
  httpTriggerExists: (fn: string, qualifier: string, existing: string) =>
    new FcError('InvalidArgument', 400, `function '${fn}' already has an HTTP trigger ('${existing}') for qualifier ${qualifier}: only one HTTP trigger is allowed per version or alias`),
  /** An HTTP trigger called with a method its `methods` do not list. */
  methodNotAllowed: (method: string, allowed: readonly string[]) =>
    new FcError('MethodNotAllowed', 405, `method '${method}' is not allowed by the HTTP trigger (allowed: ${allowed.join(', ') || 'none, its config lists no methods'})`, { allow: allowed.join(', ') }),
  notFound: (code: string, message: string) => new FcError(code, 404, message),
  domainNameAlreadyExists: (name: string) => new FcError('DomainNameAlreadyExists', 409, `custom domain '${name}' already exists`),
  domainNameNotFound: (name: string) => new FcError('DomainNameNotFound', 404, `custom domain '${name}' does not exist`),
  /** A request to a custom domain that none of its routes takes (FC's code; the status is localfc's choice, docs/behaviour.md). */
  domainRouteNotFound: (name: string, path: string, method: string) =>
    new FcError('DomainRouteNotFound', 404, `no route of custom domain '${name}' matches ${method} ${path.slice(0, 200)}`),
  versionNotFound: (fn: string, id: string) => new FcError('VersionNotFound', 404, `version '${id}' of function '${fn}' does not exist`),
  aliasNotFound: (fn: string, alias: string) => new FcError('AliasNotFound', 404, `alias '${alias}' of function '${fn}' does not exist`),
  aliasAlreadyExists: (fn: string, alias: string) => new FcError('AliasAlreadyExists', 409, `alias '${alias}' of function '${fn}' already exists`),
  versionInUse: (fn: string, id: string, aliases: readonly string[]) =>
    new FcError('VersionInUse', 409, `version '${id}' of function '${fn}' cannot be deleted: alias(es) ${aliases.map((a) => `'${a}'`).join(', ')} point at it`),
  /** FC's wording for publishing an unchanged function. */
  versionNoChanges: (fn: string) => new FcError('VersionPublishError', 400, `can not publish version for function '${fn}', detail: 'No changes were made since last publish'`),
  provisionConfigNotFound: (fn: string, qualifier: string) => new FcError('ProvisionConfigNotFound', 404, `provision config of function '${fn}' (qualifier ${qualifier}) does not exist`),
  scalingConfigNotFound: (fn: string, qualifier: string) => new FcError('ScalingConfigNotFound', 404, `scaling config of function '${fn}' (qualifier ${qualifier}) does not exist`),
  layerNotFound: (what: string, why?: string) => new FcError('LayerNotFound', 404, `layer ${what} does not exist${why ? ` (${why})` : ''}`),
  /** An operation of the FC API that localfc knows but does not emulate (sessions, snapshots, VPC bindings …). */
  notSupported: (operation: string) => new FcError('NotSupported', 400, `localfc does not emulate ${operation}; see docs/operations.md`),
  conflict: (code: string, message: string) => new FcError(code, 409, message),
  preconditionFailed: (code: string, message: string) => new FcError(code, 412, message),
  /**
   * A function at its concurrency limit (instance limit, reserved concurrency, a throttle fault). FC 3.0's docs name
   * ResourceThrottled "Reserve resource exceeded limit" for it; the one status documented with that code is 503
   * (docs/behaviour.md, Throttling).
   */
  throttled: (message: string) => new FcError('ResourceThrottled', 503, message),
  accessDenied: (code: string, message: string) => new FcError(code, 403, message),
  /** A request that fails ACS3 verification: malformed input is 400, anything about the credentials 403. */
  signature: (code: string, message: string) =>
    new FcError(code, code === 'InvalidArgument' || code === 'MissingRequiredHeader' ? 400 : 403, message),
  /** localfc's own admin API; the cloud has no equivalent code. */
  adminUnauthorized: (message: string) => new FcError('Unauthorized', 401, message, { 'www-authenticate': 'Bearer realm="localfc"' }),
  /**
   * No healthy instance for the request: the one(s) it could go to failed their periodic health check and no new one
   * may start (instance limit). FC's start-up health-check failure code; FC's exact code here is UNCERTAIN.
   */
  healthCheckFailed: (message: string) => new FcError('FunctionNotStarted', 502, `Function instance health check failed: ${message}`),
  /** The instance answered badly, died mid-request, or gave a status that cannot be relayed. */
  badResponse: (message: string) => new FcError('BadResponse', 502, message),
  imageNotFound: (image: string, why = 'does not exist or cannot be accessed') => new FcError('ImageNotFound', 404, `image '${image}' ${why}`),
  invocationDisabled: (name: string, reason: string | undefined) =>
    new FcError('FunctionInvocationDisabled', 403, `invocation of function '${name}' is disabled${reason ? `: ${reason}` : ''}`),
  internal: (message: string) => new FcError('InternalServerError', 500, message),
  // Async invocation and function configs (docs/async-and-concurrency.md; codes marked UNCERTAIN in docs/behaviour.md).
  asyncConfigNotFound: (name: string, qualifier: string) =>
    new FcError('AsyncConfigNotExists', 404, `async invoke config for function '${name}' (qualifier ${qualifier}) does not exist`),
  /** FC keeps reserved concurrency as the function's on-demand config: OnDemandConfigNotFound is the code Terraform checks. */
  concurrencyConfigNotFound: (name: string) => new FcError('OnDemandConfigNotFound', 404, `concurrency config for function '${name}' does not exist`),
  asyncTaskNotFound: (name: string, taskId: string) => new FcError('AsyncTaskNotFound', 404, `async task '${taskId}' of function '${name}' does not exist`),
  asyncTaskAlreadyExists: (taskId: string) => new FcError('AsyncTaskAlreadyExists', 409, `async task '${taskId}' already exists`),
  asyncInvocationStopped: (taskId: string) => new FcError('AsyncInvocationStopped', 412, `async task '${taskId}' has been stopped`),
  asyncTaskFinished: (taskId: string, status: string) =>
    new FcError('InvalidArgument', 400, `async task '${taskId}' cannot be stopped: it already finished with status ${status}`),
  reservedConcurrencyExceeded: (name: string, reserved: number): FcError =>
    errors.throttled(
      reserved === 0
        ? `Reserve resource exceeded limit: function '${name}' has reservedConcurrency 0, so it cannot be invoked`
        : `Reserve resource exceeded limit: function '${name}' already runs ${reserved} concurrent invocations (reservedConcurrency ${reserved})`,
    ),
} as const;

export function isFcError(e: unknown): e is FcError {
  return e instanceof FcError;
}
