/**
 * @module
 * Which effects each fault phase acts on, as the admin API reports it (GET /_localfc/faults/capabilities), so the
 * dashboard's form never offers a combination that does nothing. The effects are the domain's table (the same one
 * that refuses a rule that could not take effect); this adds when each phase is consulted, for people.
 */
import { type FaultEffectType, type FaultPhase, PHASE_EFFECTS } from '../domain/faults/rules.ts';

const WHEN: Readonly<Record<FaultPhase, string>> = {
  api: 'every /2023-03-30/* request',
  preparation: 'create, and restore from Inactive',
  update: 'UpdateFunction',
  image: 'preparation of a custom-container function, before preparation',
  coldStart: 'an invocation that starts a new instance',
  initializer: "an instance's first invocation, for functions with an initializer",
  invocation: 'InvokeFunction',
};

export const PHASE_CAPABILITIES = Object.fromEntries(
  Object.entries(WHEN).map(([phase, description]) => [phase, { effects: PHASE_EFFECTS[phase as FaultPhase], description }]),
) as Readonly<Record<FaultPhase, { readonly effects: readonly FaultEffectType[]; readonly description: string }>>;
