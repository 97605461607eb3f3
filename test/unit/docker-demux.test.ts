// Unit tests for the engine client's pure parts: log stream demultiplexing, image refs, and the unreachable-engine error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DockerEngine, DockerError, Demuxer, demultiplex, familiarName, looksMultiplexed, parseImageRef } from '../../src/backends/docker/engine.ts';

function frame(stream: 1 | 2, payload: string | Buffer): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(data.length, 4);
  return Buffer.concat([h, data]);
}

describe('demultiplex', () => {
  it('splits frames by stream, keeping order within each stream', () => {
    const buf = Buffer.concat([frame(1, 'hi\n'), frame(2, 'err 1\n'), frame(1, 'second\n'), frame(2, 'err 2\n')]);
    assert.deepEqual(demultiplex(buf), { stdout: 'hi\nsecond\n', stderr: 'err 1\nerr 2\n' });
  });

  it('handles empty input and empty frames', () => {
    assert.deepEqual(demultiplex(Buffer.alloc(0)), { stdout: '', stderr: '' });
    assert.deepEqual(demultiplex(Buffer.concat([frame(1, ''), frame(2, 'x')])), { stdout: '', stderr: 'x' });
  });

  it('drops a trailing partial frame', () => {
    const buf = Buffer.concat([frame(1, 'whole\n'), frame(2, 'partial line\n').subarray(0, 12)]);
    assert.deepEqual(demultiplex(buf), { stdout: 'whole\n', stderr: '' });
  });

  it('decodes a UTF-8 character split across two frames', () => {
    const euro = Buffer.from('€'); // 3 bytes
    const buf = Buffer.concat([frame(1, euro.subarray(0, 1)), frame(1, euro.subarray(1))]);
    assert.equal(demultiplex(buf).stdout, '€');
  });

  it('reassembles frames split at every possible chunk boundary', () => {
    const buf = Buffer.concat([frame(1, 'hello\n'), frame(2, 'oops\n'), frame(1, 'x'.repeat(300))]);
    for (let cut = 0; cut <= buf.length; cut++) {
      const d = new Demuxer();
      const frames = [...d.push(buf.subarray(0, cut)), ...d.push(buf.subarray(cut))];
      assert.equal(d.pendingBytes, 0, `cut at ${cut}`);
      assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [['stdout', 'hello\n'], ['stderr', 'oops\n'], ['stdout', 'x'.repeat(300)]]);
    }
  });

  it('reassembles a stream fed one byte at a time', () => {
    const buf = Buffer.concat([frame(2, 'a'), frame(1, 'bc')]);
    const d = new Demuxer();
    const frames = [...buf].flatMap((b) => d.push(Buffer.from([b])));
    assert.deepEqual(frames.map((f) => `${f.stream}:${f.data.toString()}`), ['stderr:a', 'stdout:bc']);
  });

  it('recognises multiplexed vs raw (Tty) output', () => {
    assert.equal(looksMultiplexed(frame(1, 'x')), true);
    assert.equal(looksMultiplexed(Buffer.from('hello world\n')), false);
  });
});

describe('parseImageRef', () => {
  it('splits name, tag and digest', () => {
    assert.deepEqual(parseImageRef('busybox'), { name: 'busybox', tag: 'latest' });
    assert.deepEqual(parseImageRef('localfc-test/node:20'), { name: 'localfc-test/node', tag: '20' });
    assert.deepEqual(parseImageRef('localhost:5000/fn/app'), { name: 'localhost:5000/fn/app', tag: 'latest' });
    assert.deepEqual(parseImageRef('registry.cn-hangzhou.aliyuncs.com/ns/app:v1'), { name: 'registry.cn-hangzhou.aliyuncs.com/ns/app', tag: 'v1' });
    assert.deepEqual(parseImageRef('app@sha256:abc'), { name: 'app', tag: 'sha256:abc' });
  });
});

describe('familiarName', () => {
  it("drops Docker Hub's prefixes, as Podman reports names in full and Docker does not", () => {
    assert.equal(familiarName('docker.io/localfc-test/node'), 'localfc-test/node');
    assert.equal(familiarName('docker.io/library/node'), 'node');
    assert.equal(familiarName('index.docker.io/library/node'), 'node');
    assert.equal(familiarName('library/node'), 'node');
    assert.equal(familiarName('localfc-test/node'), 'localfc-test/node');
    // Other registries keep their names: Podman's own local images are localhost/…, not Docker Hub's.
    assert.equal(familiarName('localhost/app'), 'localhost/app');
    assert.equal(familiarName('registry.cn-hangzhou.aliyuncs.com/library/app'), 'registry.cn-hangzhou.aliyuncs.com/library/app');
    assert.equal(familiarName('docker.io/library/ns/app'), 'library/ns/app');
  });
});

describe('DockerEngine without an engine', () => {
  it('reports a missing socket as unreachable with a hint', async () => {
    const engine = new DockerEngine({ host: 'unix:///tmp/localfc-no-such-docker.sock' });
    try {
      await assert.rejects(engine.ping(), (e: unknown) => {
        assert.ok(e instanceof DockerError);
        assert.equal(e.kind, 'unreachable');
        assert.match(e.message, /no Docker engine reachable at \/tmp\/localfc-no-such-docker\.sock .*DOCKER_HOST/);
        return true;
      });
      // Any versioned call negotiates first and fails the same way.
      await assert.rejects(engine.listContainers(), { kind: 'unreachable' });
    } finally {
      await engine.close();
    }
  });

  it('rejects a DOCKER_HOST it cannot use, and an ssh:// URL the docker CLI would refuse too', () => {
    assert.throws(() => new DockerEngine({ host: 'npipe:////./pipe/docker_engine' }), /unsupported DOCKER_HOST.*ssh:\/\/user@host/);
    assert.throws(() => new DockerEngine({ host: 'ssh://me:secret@somewhere' }), /DOCKER_HOST ssh:\/\/me:secret@somewhere.*plain-text password is not supported/);
  });
});
