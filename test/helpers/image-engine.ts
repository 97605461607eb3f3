/**
 * The engine calls only the tests and scripts/make-test-images.ts make: import a rootfs as an image, tag and remove
 * images, copy a tar into a container. localfc itself pulls and inspects images and never writes one, so these live
 * here, outside src/ and the published package.
 */
import type { Readable } from 'node:stream';
import { DockerEngine, DockerError, jsonLines, qs, seg, streamError } from '../../src/backends/docker/engine.ts';

export class ImageEngine extends DockerEngine {
  /** Imports a rootfs tarball as repo:tag (POST /images/create?fromSrc=-); `changes` are Dockerfile lines like 'CMD ["sh"]'. */
  async importImage(tar: Buffer | Readable, repo: string, tag: string, opts: { changes?: string[] } = {}): Promise<{ id: string }> {
    const changes = (opts.changes ?? []).map((c) => `&changes=${encodeURIComponent(c)}`).join('');
    // The tag inside `repo` (the API allows it): Podman 4.3 ignores a separate `tag` and names the image :latest.
    const res = await this.versioned('POST', `/images/create${qs({ fromSrc: '-', repo: `${repo}:${tag}` })}${changes}`, {
      raw: tar, contentType: 'application/x-tar', timeoutMs: 10 * this.timeoutMs, // ~100 MB rootfs: seconds, not minutes
    });
    let id = '';
    try {
      for await (const msg of jsonLines(res.body)) {
        const err = streamError(msg);
        if (err) throw new DockerError('engine', `import ${repo}:${tag} failed: ${err}`, res.statusCode, err);
        if (typeof msg.status === 'string' && msg.status.startsWith('sha256:')) id = msg.status.trim();
      }
    } catch (e) {
      throw this.wrap(e, `import ${repo}:${tag}`, 10 * this.timeoutMs);
    }
    return { id: id || ((await this.inspectImage(`${repo}:${tag}`))?.id ?? '') };
  }

  /** Removes an image or one of its tags; returns the engine's list of untagged refs and deleted ids. */
  async removeImage(ref: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<{ untagged: string[]; deleted: string[] }> {
    const items = await this.json<{ Untagged?: string; Deleted?: string }[]>('DELETE', `/images/${seg(ref)}${qs({ force: opts.force, noprune: opts.noprune })}`);
    return {
      untagged: items.flatMap((i) => (i.Untagged ? [i.Untagged] : [])),
      deleted: items.flatMap((i) => (i.Deleted ? [i.Deleted] : [])),
    };
  }

  /** `docker kill`: SIGKILL at once (stop with t=0 sends SIGTERM first, and the process inside may still clean up). */
  async killContainer(id: string): Promise<void> { await this.json('POST', `/containers/${seg(id)}/kill${qs({ signal: 'KILL' })}`); }

  async tagImage(id: string, repo: string, tag: string): Promise<void> { await this.json('POST', `/images/${seg(id)}/tag${qs({ repo, tag })}`); }

  /** Copies a tar (e.g. one from test/helpers/tar.ts) into a created or running container, extracted under `path`. */
  async putArchive(id: string, path: string, tar: Buffer | Readable): Promise<void> {
    await this.json('PUT', `/containers/${seg(id)}/archive${qs({ path })}`, { raw: tar, contentType: 'application/x-tar', timeoutMs: 10 * this.timeoutMs });
  }

}
