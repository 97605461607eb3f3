/**
 * @module
 * Cross-field rules FC states for the configuration blocks localfc only stores (GPU, NAS, log): checked on the
 * configuration a function ends up with (create, or update merged onto what it had), so nothing is stored when one
 * fails. Empty blocks and empty values (Terraform's `{}`, Serverless Devs' cleared blocks) mean "not set".
 */
import { errors } from './errors.ts';

type Block = Readonly<Record<string, unknown>> | undefined;

/**
 * GPU memory per card, from FC's instance-types page (help.aliyun.com/zh/fc/instance-types-and-instance-modes):
 * fc.gpu.tesla.1 (T4) 1–16 GB, fc.gpu.ampere.1 (A10) 1–24 GB. Newer cards (ada, hopper, …) are not bounded here.
 */
const GPU_MEMORY_MB: Readonly<Record<string, number>> = { 'fc.gpu.tesla.1': 16384, 'fc.gpu.ampere.1': 24576 };
/** FC's GPUConfig page lists fc.gpu.tesla.1/ampere.1/ada.1, its instance page newer fc.gpu.* cards; Terraform also takes g1. */
const GPU_TYPE = /^(fc\.gpu\.[a-z0-9]+\.\d+|g1)$/;
/** Terraform's alicloud_fcv3_function validates log_begin_rule as one of these; Serverless Devs sends 'None'. */
const LOG_BEGIN_RULES = ['None', 'DefaultRegex'];

export function checkStoredBlocks(runtime: string, passthrough: Readonly<Record<string, unknown>>): void {
  checkGpu(runtime, passthrough.gpuConfig as Block);
  checkNas(passthrough.nasConfig as Block, passthrough.vpcConfig as Block);
  const rule = (passthrough.logConfig as Block)?.logBeginRule;
  if (typeof rule === 'string' && rule !== '' && !LOG_BEGIN_RULES.includes(rule)) {
    throw errors.invalidArgument(`logConfig.logBeginRule '${rule}' must be one of ${LOG_BEGIN_RULES.join(', ')}`);
  }
}

function checkGpu(runtime: string, gpu: Block): void {
  const type = typeof gpu?.gpuType === 'string' ? gpu.gpuType : '';
  const memory = typeof gpu?.gpuMemorySize === 'number' ? gpu.gpuMemorySize : 0;
  if (!type && !memory) return;
  // FC: "GPU-accelerated instances can be deployed only by using container images" (instance types page, Important).
  if (runtime !== 'custom-container') throw errors.invalidArgument(`gpuConfig is not allowed for runtime ${runtime}: GPU instances run container images only (runtime custom-container)`);
  if (type && !GPU_TYPE.test(type)) throw errors.invalidArgument(`gpuConfig.gpuType '${type}' is not a GPU type (fc.gpu.tesla.1, fc.gpu.ampere.1, fc.gpu.ada.1, …)`);
  const most = GPU_MEMORY_MB[type];
  if (most !== undefined && memory > most) throw errors.invalidArgument(`gpuConfig.gpuMemorySize ${memory} is more than a ${type} card has: at most ${most} MB`);
}

/** FC's NAS page: a NAS file system can only be mounted from a VPC, so mount points need vpcConfig. */
function checkNas(nas: Block, vpc: Block): void {
  const mounts = Array.isArray(nas?.mountPoints) ? nas.mountPoints : [];
  if (mounts.length && !(typeof vpc?.vpcId === 'string' && vpc.vpcId)) {
    throw errors.invalidArgument('nasConfig.mountPoints need vpcConfig: a NAS file system can only be mounted from a VPC (set vpcConfig.vpcId, vSwitchIds and securityGroupId)');
  }
}
