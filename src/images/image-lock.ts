import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppError } from '../errors';

export interface ImageLockOptions {
  timeoutMs?: number;
  /** A lock older than this whose owner we cannot see is taken over (owner on another host or pid reused). */
  staleMs?: number;
  pollMs?: number;
  onWait?: (owner: string) => void;
}

interface LockOwner {
  pid: number;
  host: string;
  at: number;
}

function ownerAlive(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Cross-process build lock: a file created with O_EXCL. Returns the release function.
 * A lock left by a dead process on this host is taken over at once.
 */
export async function acquireImageLock(file: string, opts: ImageLockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const staleMs = opts.staleMs ?? 60 * 60_000;
  const pollMs = opts.pollMs ?? 500;
  const deadline = Date.now() + timeoutMs;
  const me: LockOwner = { pid: process.pid, host: os.hostname(), at: Date.now() };
  await fs.mkdir(path.dirname(file), { recursive: true });
  let told = false;

  for (;;) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await fs.rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AppError('IMAGE_LOCK_FAILED', `cannot create the image build lock ${file}: ${(err as Error).message}`, { cause: err });
      }
    }

    let owner: LockOwner | undefined;
    try {
      owner = JSON.parse(await fs.readFile(file, 'utf8')) as LockOwner;
    } catch {
      // being written right now, or garbage: garbage gets old and is taken over below
    }
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat) continue;
    const age = Date.now() - stat.mtimeMs;
    if ((owner && !ownerAlive(owner)) || age > staleMs || (!owner && age > 10_000)) {
      await fs.rm(file, { force: true });
      continue;
    }
    if (!told) {
      told = true;
      opts.onWait?.(owner ? `pid ${owner.pid} on ${owner.host}` : 'another process');
    }
    if (Date.now() >= deadline) {
      throw new AppError('IMAGE_LOCK_TIMEOUT', `gave up after ${Math.round(timeoutMs / 1000)} s waiting for the image build lock ${file}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
