// ssh:// engines, connection by connection: each is a real `ssh … docker system dial-stdio` through an sshd the test
// starts on 127.0.0.1 in front of the main engine's socket (test/helpers/ssh-engine.ts). Many requests at once (more
// than sshd lets handshake at once), connections kept alive, an event stream open meanwhile, no ssh process left once
// closed, and ssh's own reason when it cannot connect. The container backend's flows over ssh, against an engine
// whose containers only published ports reach, are in engines.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DockerEngine, DockerError, type DockerEvent } from '../../src/backends/docker/engine.ts';
import { MAX_HANDSHAKES } from '../../src/backends/docker/ssh-transport.ts';
import { BUSYBOX_IMAGE } from '../../scripts/make-test-images.ts';
import { engineUsable } from '../helpers/docker.ts';
import { ImageEngine } from '../helpers/image-engine.ts';
import { type SshGate, sshChildren, sshGateUnavailable, startSshGate } from '../helpers/ssh-engine.ts';
import { waitFor } from '../helpers/wait.ts';

const main = new ImageEngine();
const repo = 'localfc-enginetest/ssh';
const tag = `${process.pid}-${Date.now().toString(36)}`;

const why = sshGateUnavailable() ?? (main.local ? undefined : `the main engine is not on a unix socket (${main.address})`);
if (why) {
  it('ssh:// engine', { skip: `${why}: skipping the ssh:// engine tests` }, () => {});
  await main.close();
} else if (await engineUsable(main, 'ssh:// engine')) {
  describe('ssh:// engine', () => {
    let gate: SshGate;
    let engine: DockerEngine;
    const open = (path = '', key?: 'ok' | 'nodocker' | 'stranger', knownHosts?: boolean) =>
      new DockerEngine({ address: { host: `ssh://${gate.alias}${path}`, source: 'test', sshOptions: gate.options(key, knownHosts) } });

    before(async () => {
      gate = await startSshGate(main.address, undefined, { maxStartups: MAX_HANDSHAKES });
      engine = open();
    });

    after(async () => {
      await engine?.close();
      await main.removeImage(`${repo}:${tag}`, { force: true }).catch(() => undefined);
      await gate?.stop();
      await main.close();
    });

    it('answers many requests at once, keeps its connections, and keeps an event stream open meanwhile', async () => {
      assert.equal(engine.engineHost, gate.ip, "the ssh_config alias's HostName: where published ports are");
      const events: DockerEvent[] = [];
      const stop = new AbortController();
      const stream = await engine.events({ filters: { type: ['image'] } }, (e) => events.push(e), stop.signal);
      try {
        // This sshd refuses connections beyond MAX_HANDSHAKES unauthenticated ones (a real one's default refuses at
        // random beyond 10): more calls than that at once pass only if the client holds back its handshakes.
        const want = (await main.version()).version;
        const versions = await Promise.all(Array.from({ length: MAX_HANDSHAKES + 4 }, () => engine.version()));
        assert.deepEqual(new Set(versions.map((v) => v.version)), new Set([want]));
        const kept = sshChildren();
        for (let i = 0; i < 5; i++) await engine.version();
        assert.deepEqual(sshChildren(), kept, 'calls one after another reuse the open connections: no new ssh process');
        await main.tagImage((await main.inspectImage(BUSYBOX_IMAGE))!.id, repo, tag);
        await waitFor('the tag event through ssh', async () => events.find((e) => e.action === 'tag' && e.attributes.name === `${repo}:${tag}`));
      } finally {
        stop.abort();
        await stream.done;
      }
    });

    it('leaves no ssh process behind once closed', async () => {
      assert.ok(sshChildren().length > 0);
      await engine.close();
      assert.deepEqual(sshChildren(), [], 'close() waits for them');
    });

    it("says why when ssh cannot connect, in ssh's or the remote docker's words", async () => {
      const cases = [
        { what: 'a key the server refuses', path: '', key: 'stranger', knownHosts: true, says: /ssh exited with 255: .*Permission denied \(publickey/ },
        { what: 'an unknown host key', path: '', key: 'ok', knownHosts: false, says: /ssh exited with 255: .*Host key verification failed/ },
        { what: 'no docker CLI there', path: '', key: 'nodocker', knownHosts: true, says: /ssh exited with 127: .*docker: (command )?not found/ },
        { what: 'no engine at the path', path: '/nonexistent/docker.sock', key: 'ok', knownHosts: true, says: /ssh exited with 1: .*\/nonexistent\/docker\.sock.*`ssh localfc-engine-\d+ docker --host=unix:\/\/\/nonexistent\/docker\.sock version` must work without a prompt/ },
      ] as const;
      for (const c of cases) {
        const e = open(c.path, c.key, c.knownHosts);
        try {
          await assert.rejects(e.ping(), (err: unknown) => {
            assert.ok(err instanceof DockerError, c.what);
            assert.equal(err.kind, 'unreachable', c.what);
            assert.match(err.message, new RegExp(`^no Docker engine reachable at ssh://${gate.alias}`), c.what);
            assert.match(err.message, c.says, c.what);
            return true;
          });
        } finally {
          await e.close();
        }
      }
      assert.deepEqual(sshChildren(), []);
    });
  });
}
