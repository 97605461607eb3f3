/**
 * @module
 * The catalogue of every code a function's state or an instance can carry, the sibling of the API error catalogue
 * (errors.ts): the reason codes of `state` / `lastUpdateStatus` and the error codes of a failed instance start or
 * invocation. Code uses these names, never the strings (test/unit/reason-codes.test.ts greps src/ for them). Where each
 * comes from (FC's documentation or a localfc choice) is in docs/behaviour.md.
 */

/** `stateReasonCode` / `lastUpdateStatusReasonCode` values localfc gives. */
export const ReasonCode = {
  // While the state machine moves (FC's codes).
  Creating: 'Creating',
  Updating: 'Updating',
  Restoring: 'Restoring',
  Idle: 'Idle',
  // The registry moved under a deployed image (registry-follow.ts).
  ImageDeleted: 'ImageDeleted',
  ImageTagOverwritten: 'ImageTagOverwritten',
  // A preparation failed on the backend (the process backend's and the container backend's work).
  InvalidZipFileException: 'InvalidZipFileException',
  HandlerNotFound: 'HandlerNotFound',
  InvalidRuntime: 'InvalidRuntime',
  LayerNotFound: 'LayerNotFound',
  ImageNotFound: 'ImageNotFound',
  ImagePullFailed: 'ImagePullFailed',
  /** An image's pull refused (a fault's usual code for a preparation that fails as FC's does for a private image). */
  ImageAccessDenied: 'ImageAccessDenied',
  /** An update that could not be applied (the failed-update scenario's code). */
  InvalidConfiguration: 'InvalidConfiguration',
  DockerUnavailable: 'DockerUnavailable',
  /** A preparation that crashed with no code of its own, or a function put in Failed through the admin API. */
  InternalError: 'InternalError',
} as const;
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];

/** The reason text that goes with the state machine's own codes. */
export const REASON_TEXT = {
  Creating: 'Function creating',
  Updating: 'Function updating',
  Restoring: 'Function is being restored after being idle',
  Restarted: 'Function is being prepared again after localfc restarted',
  Idle: 'Function has been idle and its resources were released; invoke or update it to prepare them again',
} as const;

/** Error codes of an instance that failed to start or to answer (a backend's BackendError code). */
export const InstanceErrorCode = {
  /** The instance exited (or could not be created) before it listened, or died under a request (FC's code). */
  CAExited: 'CAExited',
  /** Nothing listened on the instance's port in time. */
  CAStartTimeout: 'CAStartTimeout',
  /** The start-up health check failed (FC's code). */
  FunctionNotStarted: 'FunctionNotStarted',
  /** The instance asked for is not running (any more). */
  InstanceNotFound: 'InstanceNotFound',
  /** The instance could not be reached for an invocation. */
  InvocationFailed: 'InvocationFailed',
  /** The initializer failed or timed out: FC answers 200 with x-fc-error-type InitializationError. */
  InitializationError: 'InitializationError',
  /** No Docker engine to start the container on. */
  DockerUnavailable: 'DockerUnavailable',
} as const;
export type InstanceErrorCode = (typeof InstanceErrorCode)[keyof typeof InstanceErrorCode];

/** FC's x-fc-error-type of a failed invocation. */
export type InvocationErrorType = 'HandledInvocationError' | 'UnhandledInvocationError' | typeof InstanceErrorCode.InitializationError;
