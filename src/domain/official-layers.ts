/**
 * @module
 * FC's official public layers (`acs:fc:<region>:official:layers/<Name>/versions/<n>`), which templates name to get an
 * interpreter or a set of libraries. localfc has none of their files. It stands in for the runtime ones with what the
 * machine has (`NodejsNN` as `/opt/nodejsNN/bin/node`, `Python3NN` as `/opt/python3.NN/bin/python3`, the paths the real
 * layers use). The others (Java17, Python310-Package-Collection, ServerlessDevs, …) are taken as layers with no files,
 * so a template that names them deploys, as it does on FC, and the timeline says what is missing from /opt.
 */
import { errors } from './errors.ts';

export const OFFICIAL_LAYER_ARN = /^acs:fc:([^:]+):official:layers\/([^/]+)\/versions\/(\d+)$/;

export interface OfficialLayer {
  readonly name: string;
  /** The machine's interpreter standing in for a runtime layer; none for the other official layers. */
  readonly standIn?: {
    readonly language: 'nodejs' | 'python';
    /** The directory under /opt the real layer installs to (`nodejs20`, `python3.10`). */
    readonly dir: string;
    /** The interpreter version it carries (`20`, `3.10`), for the timeline's comparison with the stand-in. */
    readonly wants: string;
  };
}

/** The official layer an ARN names; throws LayerNotFound for one of another region. Undefined: not an official ARN. */
export function officialLayer(arn: string, region: string): OfficialLayer | undefined {
  const m = OFFICIAL_LAYER_ARN.exec(arn);
  if (!m) return undefined;
  if (m[1] !== region) throw errors.layerNotFound(`'${arn}'`, `FC's official layers are named per region, and this is ${region}`);
  const name = m[2]!;
  const node = /^Nodejs(\d+)$/.exec(name);
  const python = /^Python3(\d+)$/.exec(name);
  if (node) return { name, standIn: { language: 'nodejs', dir: `nodejs${node[1]}`, wants: node[1]! } };
  if (python) return { name, standIn: { language: 'python', dir: `python3.${python[1]}`, wants: `3.${python[1]}` } };
  return { name };
}
