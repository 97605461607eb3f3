/**
 * @module
 * Which effects each fault phase acts on, as the admin API reports it (GET /_localfc/faults/capabilities), so the
 * dashboard's form never offers a combination that does nothing. Same table as the README's "Failure injection".
 */
import type { FaultEffect, FaultPhase } from '../domain/faults.ts';

type EffectType = FaultEffect['type'];

export const PHASE_CAPABILITIES: Readonly<Record<FaultPhase, { readonly effects: readonly EffectType[]; readonly description: string }>> = {
  api: { effects: ['error', 'latency', 'throttle'], description: 'every /2023-03-30/* request' },
  preparation: { effects: ['error', 'latency', 'hold'], description: 'create, and restore from Inactive' },
  update: { effects: ['error', 'latency', 'hold'], description: 'UpdateFunction' },
  image: { effects: ['error', 'latency', 'hold'], description: 'preparation of a custom-container function, before preparation' },
  coldStart: { effects: ['latency', 'error', 'crash'], description: 'an invocation that starts a new instance' },
  initializer: { effects: ['latency', 'error', 'crash'], description: "an instance's first invocation, for functions with an initializer" },
  invocation: { effects: ['error', 'latency', 'throttle', 'crash', 'inactive'], description: 'InvokeFunction' },
};
