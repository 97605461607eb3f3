// Which engine localfc talks to, as the docker CLI decides it: DOCKER_HOST (the dockerHost setting), else the CLI's
// current context and its TLS files, else the standard socket; TLS for tcp:// from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH;
// ssh:// URLs and the ssh command line they become (the connections themselves: test/docker/ssh-engine.test.ts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DockerEngine } from '../../src/backends/docker/engine.ts';
import { DEFAULT_DOCKER_HOST, resolveEngineAddress } from '../../src/backends/docker/engine-address.ts';
import { parseSshUrl, sshArgs, sshCheckCommand } from '../../src/backends/docker/ssh-transport.ts';

const home = mkdtempSync(join(tmpdir(), 'localfc-engine-address-'));
after(() => rmSync(home, { recursive: true, force: true }));

/** Writes a docker CLI config dir with one context, as `docker context create NAME --docker host=…,ca=…` leaves it. */
function cliConfig(dir: string, context: { name: string; host: string; current?: boolean; tls?: boolean; skipVerify?: boolean }): string {
  const id = createHash('sha256').update(context.name).digest('hex');
  mkdirSync(join(dir, 'contexts', 'meta', id), { recursive: true });
  writeFileSync(join(dir, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: context.name, Endpoints: { docker: { Host: context.host, SkipTLSVerify: context.skipVerify ?? false } } }));
  if (context.tls) {
    mkdirSync(join(dir, 'contexts', 'tls', id, 'docker'), { recursive: true });
    for (const f of ['ca', 'cert', 'key']) writeFileSync(join(dir, 'contexts', 'tls', id, 'docker', `${f}.pem`), `${f} of ${context.name}`);
  }
  if (context.current) writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: context.name }));
  return dir;
}

describe('engine address', () => {
  it('defaults to the standard socket when nothing names an engine', () => {
    assert.deepEqual(resolveEngineAddress(undefined, {}, join(home, 'nobody')), { host: DEFAULT_DOCKER_HOST, source: 'default' });
  });

  it("uses the docker CLI's current context (config.json), with its TLS files", () => {
    const dir = cliConfig(join(home, 'a', '.docker'), { name: 'remote', host: 'tcp://10.0.0.5:2376', current: true, tls: true });
    const a = resolveEngineAddress(undefined, {}, join(home, 'a'));
    assert.equal(a.host, 'tcp://10.0.0.5:2376');
    assert.equal(a.source, 'docker context remote');
    assert.equal(a.tls?.verify, true);
    assert.equal(a.tls?.ca?.toString(), 'ca of remote');
    assert.equal(a.tls?.cert?.toString(), 'cert of remote');
    // DOCKER_CONTEXT picks another one; DOCKER_CONFIG moves the directory
    cliConfig(dir, { name: 'colima', host: 'unix:///Users/me/.colima/default/docker.sock' });
    assert.equal(resolveEngineAddress(undefined, { DOCKER_CONTEXT: 'colima' }, join(home, 'a')).host, 'unix:///Users/me/.colima/default/docker.sock');
    assert.equal(resolveEngineAddress(undefined, { DOCKER_CONFIG: dir }, join(home, 'elsewhere')).source, 'docker context remote');
    // "default" is the CLI's name for DOCKER_HOST or the standard socket
    assert.equal(resolveEngineAddress(undefined, { DOCKER_CONTEXT: 'default' }, join(home, 'a')).host, DEFAULT_DOCKER_HOST);
  });

  it('DOCKER_HOST (the dockerHost setting) wins over the context; tcp:// takes TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', () => {
    cliConfig(join(home, 'b', '.docker'), { name: 'remote', host: 'tcp://10.0.0.5:2376', current: true });
    const certs = join(home, 'certs');
    mkdirSync(certs);
    for (const f of ['ca', 'cert', 'key']) writeFileSync(join(certs, `${f}.pem`), `${f} from env`);
    const a = resolveEngineAddress('tcp://engine:2376', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }, join(home, 'b'));
    assert.equal(a.host, 'tcp://engine:2376');
    assert.equal(a.source, 'dockerHost');
    assert.deepEqual([a.tls?.verify, a.tls?.key?.toString()], [true, 'key from env']);
    assert.equal(resolveEngineAddress('tcp://engine:2375', {}, join(home, 'b')).tls, undefined, 'plain TCP without the TLS variables');
    assert.equal(resolveEngineAddress('tcp://engine:2376', { DOCKER_TLS: '1', DOCKER_CERT_PATH: certs }, join(home, 'b')).tls?.verify, false);
  });

  it('a context that names no endpoint is an error that says so', () => {
    const dir = join(home, 'c', '.docker');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: 'gone' }));
    assert.throws(() => resolveEngineAddress(undefined, {}, join(home, 'c')), /current context 'gone' has no readable meta.json/);
  });

  it('tcp+TLS engines are reached over https, at the host the URL names', async () => {
    const e = new DockerEngine({ address: { host: 'tcp://[::1]:2376', source: 'test', tls: { verify: true } } });
    assert.deepEqual([e.engineHost, e.local], ['::1', false]);
    await e.close();
  });

  it("an ssh:// context's endpoint is used as DOCKER_HOST would be", () => {
    cliConfig(join(home, 'd', '.docker'), { name: 'build-box', host: 'ssh://me@build-box:2222', current: true });
    assert.deepEqual(resolveEngineAddress(undefined, {}, join(home, 'd')), { host: 'ssh://me@build-box:2222', source: 'docker context build-box' });
  });
});

describe('ssh:// engines', () => {
  it('parse as the docker CLI parses them: user, port, and a path naming the remote socket', () => {
    assert.deepEqual(parseSshUrl('ssh://me@box:2222/run/user/1000/docker.sock'), { user: 'me', host: 'box', port: '2222', path: '/run/user/1000/docker.sock' });
    assert.deepEqual(parseSshUrl('ssh://box'), { host: 'box' });
    assert.deepEqual(parseSshUrl('ssh://box/'), { host: 'box' });
    assert.deepEqual(parseSshUrl('ssh://[fd00::5]:22'), { host: 'fd00::5', port: '22' });
    for (const [url, why] of [['ssh://me:pw@box', /plain-text password/], ['ssh://box?x=1', /query/], ['ssh://box#f', /fragment/], ['ssh://', /invalid ssh URL/]] as const) {
      assert.throws(() => parseSshUrl(url), why, url);
    }
  });

  it("run ssh as the docker CLI does (-T, ConnectTimeout, -l, -p, then the host after --), never prompting, the caller's options first", () => {
    assert.deepEqual(sshArgs(parseSshUrl('ssh://me@box:2222'), ['-F', 'cfg']), [
      '-F', 'cfg', '-T', '-o', 'ConnectTimeout=30', '-o', 'BatchMode=yes', '-l', 'me', '-p', '2222', '--', 'box', 'docker system dial-stdio',
    ]);
    assert.equal(sshCheckCommand(parseSshUrl('ssh://me@box:2222/run/docker.sock')), 'ssh -p 2222 me@box docker --host=unix:///run/docker.sock version');
    // The remote shell gets one line: a socket path with spaces or quotes stays one word.
    assert.equal(sshArgs(parseSshUrl("ssh://box/srv/my engine's.sock")).at(-1), `docker '--host=unix:///srv/my engine'\\''s.sock' system dial-stdio`);
  });

  it("published ports are looked for at the HostName ~/.ssh/config gives the URL's host (ssh -G, no connection)", async () => {
    const config = join(home, 'ssh_config');
    writeFileSync(config, 'Host build-box\n  HostName 192.0.2.7\n  User ci\n');
    const e = new DockerEngine({ address: { host: 'ssh://build-box', source: 'test', sshOptions: ['-F', config] } });
    assert.deepEqual([e.engineHost, e.local, e.address], ['192.0.2.7', false, 'ssh://build-box']);
    await e.close();
    const plain = new DockerEngine({ address: { host: 'ssh://198.51.100.3:2200', source: 'test', sshOptions: ['-F', '/dev/null'] } });
    assert.equal(plain.engineHost, '198.51.100.3');
    await plain.close();
  });
});
