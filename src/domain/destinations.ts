/**
 * @module
 * Async invocation destinations (PutAsyncInvokeConfig destinationConfig): which ones localfc can reach, and the event
 * FC sends to a destination, per FC's "result callback" page (docs/behaviour.md, "Async destinations").
 */

/** A destination that is a function of this localfc: its name and the qualifier to invoke (LATEST when none). */
export interface FunctionDestination {
  readonly functionName: string;
  readonly qualifier: string;
}

/**
 * The function a destination ARN names, when it is one of this localfc's region and account:
 * `acs:fc:{region}:{accountId}:functions/{name}` (or `{accountId}/functions`, the form of the definition's examples)
 * with an optional `/{qualifier}`; an empty account means the caller's
 * own (Serverless Devs' fc3 templates write `acs:fc:${region}::functions/{name}`). Undefined for anything else (MNS
 * queues and topics, EventBridge, RocketMQ, another region's or account's function): localfc cannot reach those.
 */
export function functionDestination(arn: string, own: { readonly region: string; readonly accountId: string }): FunctionDestination | undefined {
  const m = /^acs:fc:([^:]*):([^:/]*)[:/]functions\/([^/]+)(?:\/([^/]+))?$/.exec(arn);
  if (!m || m[1] !== own.region || (m[2] !== '' && m[2] !== own.accountId)) return undefined;
  return { functionName: m[3]!, qualifier: m[4] ?? 'LATEST' };
}

/** The region and account of a localfc function ARN (`acs:fc:{region}:{accountId}:functions/{name}`). */
export function ownerOf(functionArn: string): { region: string; accountId: string } {
  const [, , region = '', accountId = ''] = functionArn.split(':');
  return { region, accountId };
}

/** How the last attempt of an async task ended: what the destination event's response fields carry. */
export interface AttemptOutcome {
  readonly statusCode: number;
  /** The function's error type (x-fc-error-type) or the API error's code; '' when it succeeded. */
  readonly functionError: string;
  readonly payload: string;
}

/**
 * FC's destination event: `timestamp`, `requestContext` {requestId, functionArn, condition, approximateInvokeCount},
 * `requestPayload`, `responseContext` {statusCode, functionError}, `responsePayload`. `condition` is '' for a success
 * and the last attempt's error type otherwise ('EventAgeExceeded' when the event expired before it ran): UNCERTAIN.
 */
export function destinationEvent(input: {
  readonly now: number;
  readonly requestId: string;
  readonly functionArn: string;
  readonly attempts: number;
  readonly requestPayload: Buffer;
  readonly outcome: AttemptOutcome | undefined;
  readonly expired: boolean;
}): string {
  const { outcome } = input;
  return JSON.stringify({
    timestamp: new Date(input.now).toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.expired ? 'EventAgeExceeded' : (outcome?.functionError ?? ''),
      approximateInvokeCount: input.attempts,
    },
    requestPayload: input.requestPayload.toString('utf8'),
    responseContext: { statusCode: outcome?.statusCode ?? 0, functionError: outcome?.functionError ?? '' },
    responsePayload: outcome?.payload ?? '',
  });
}
