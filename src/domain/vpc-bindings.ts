/**
 * @module
 * VPC bindings (CreateVpcBinding, ListVpcBindings, DeleteVpcBinding): which VPCs may call a function over their private
 * network. Locally there is no VPC, so a binding is stored and read back and changes nothing else; Terraform's
 * alicloud_fcv3_vpc_binding and `s remove` (which lists and deletes them before DeleteFunction) need them to exist.
 * No HTTP here; a function's bindings go away with it.
 */
import type { FunctionService } from './functions.ts';

export interface VpcBindingsState {
  /** functionName → bound VPC ids, in the order bound. */
  readonly bindings: Record<string, string[]>;
}

export class VpcBindingStore {
  readonly #byFunction = new Map<string, string[]>();

  constructor(private readonly deps: { readonly functions: FunctionService }) {
    deps.functions.onDeleted((name) => this.#byFunction.delete(name));
  }

  /** Binding a VPC that is already bound changes nothing (FC documents no error for it: docs/behaviour.md). */
  bind(functionName: string, vpcId: string): void {
    this.deps.functions.get(functionName);
    const bound = this.#byFunction.get(functionName) ?? [];
    if (!bound.includes(vpcId)) this.#byFunction.set(functionName, [...bound, vpcId]);
  }

  list(functionName: string): readonly string[] {
    this.deps.functions.get(functionName);
    return this.#byFunction.get(functionName) ?? [];
  }

  /** Unbinding a VPC that is not bound changes nothing (FC documents no error for it: docs/behaviour.md). */
  unbind(functionName: string, vpcId: string): void {
    this.deps.functions.get(functionName);
    const rest = (this.#byFunction.get(functionName) ?? []).filter((id) => id !== vpcId);
    if (rest.length > 0) this.#byFunction.set(functionName, rest);
    else this.#byFunction.delete(functionName);
  }

  exportState(): VpcBindingsState {
    return { bindings: Object.fromEntries(this.#byFunction) };
  }

  importState(state: VpcBindingsState): void {
    for (const [name, ids] of Object.entries(state.bindings)) this.#byFunction.set(name, [...ids]);
  }
}
