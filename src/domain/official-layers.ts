/**
 * @module
 * FC's official public layers (`acs:fc:<region>:official:layers/<Name>/versions/<n>`), which custom-runtime templates
 * name to get an interpreter: localfc has none of their files, so it stands in for the runtime ones with what the
 * machine has — `NodejsNN` as `/opt/nodejsNN/bin/node` and `Python3NN` as `/opt/python3.NN/bin/python3`, the paths the
 * real layers use — and refuses the others with LayerNotFound.
 */
import { errors } from './errors.ts';

export const OFFICIAL_LAYER_ARN = /^acs:fc:([^:]+):official:layers\/([^/]+)\/versions\/(\d+)$/;

export interface OfficialLayer {
  readonly name: string;
  readonly language: 'nodejs' | 'python';
  /** The directory under /opt the real layer installs to (`nodejs20`, `python3.10`). */
  readonly dir: string;
  /** The interpreter version it carries (`20`, `3.10`), for the timeline's comparison with the stand-in. */
  readonly wants: string;
}

/** The official layer an ARN names; throws LayerNotFound for one localfc cannot stand in for. Undefined: not an official ARN. */
export function officialLayer(arn: string, region: string): OfficialLayer | undefined {
  const m = OFFICIAL_LAYER_ARN.exec(arn);
  if (!m) return undefined;
  const name = m[2]!;
  const node = /^Nodejs(\d+)$/.exec(name);
  const python = /^Python3(\d+)$/.exec(name);
  if (m[1] === region && node) return { name, language: 'nodejs', dir: `nodejs${node[1]}`, wants: node[1]! };
  if (m[1] === region && python) return { name, language: 'python', dir: `python3.${python[1]}`, wants: `3.${python[1]}` };
  throw errors.layerNotFound(`'${arn}'`, `of FC's official layers localfc stands in only for NodejsNN and Python3NN of region ${region}, with the machine's own interpreters`);
}
