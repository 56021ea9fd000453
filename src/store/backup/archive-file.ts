import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { once } from 'node:events';
import zlib from 'node:zlib';
import { AppError } from '../../errors';

/**
 * Writes an archive to `<file>.partial` (mode 600: it holds learners' data and sealed tokens) and renames it into
 * place only once complete, so a backup that failed half-way never looks like a good one.
 */
export class ArchiveWriter {
  private readonly gzip = zlib.createGzip();
  private readonly out: fs.WriteStream;
  private readonly partial: string;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    this.partial = `${file}.partial`;
    this.out = fs.createWriteStream(this.partial, { mode: 0o600 });
    this.gzip.pipe(this.out);
  }

  async line(text: string): Promise<void> {
    if (!this.gzip.write(`${text}\n`)) await once(this.gzip, 'drain');
  }

  async finish(): Promise<void> {
    this.gzip.end();
    await once(this.out, 'close');
    fs.renameSync(this.partial, this.file);
  }

  abort(): void {
    this.gzip.destroy();
    this.out.destroy();
    fs.rmSync(this.partial, { force: true });
  }
}

/** The lines of an archive, one at a time; a missing, non-gzip or cut-off file becomes one readable error. */
export async function* archiveLines(file: string): AsyncGenerator<string> {
  if (!fs.existsSync(file)) throw new AppError('BACKUP_NOT_FOUND', `No backup file at ${file}`);
  const input = fs.createReadStream(file);
  const gunzip = zlib.createGunzip();
  const lines = readline.createInterface({ input: input.pipe(gunzip), crlfDelay: Infinity });
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    lines.close();
  };
  input.on('error', fail);
  gunzip.on('error', fail);
  try {
    for await (const line of lines) {
      if (failure) break;
      yield line;
    }
  } catch (err) {
    failure ??= err as Error;
  } finally {
    lines.close();
    input.destroy();
    gunzip.destroy();
  }
  if (failure) throw unreadable(file, failure);
}

function unreadable(file: string, err: Error & { code?: string }): AppError {
  if (err.code === 'EACCES') return new AppError('BACKUP_UNREADABLE', `Cannot read ${file} (permission denied)`, { cause: err });
  if (err.code === 'Z_DATA_ERROR' || /header check/i.test(err.message)) return new AppError('BACKUP_UNREADABLE', `${file} is not a Dockhand backup (not a gzip file)`, { cause: err });
  if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) return new AppError('BACKUP_UNREADABLE', `${file} is cut off (the copy is incomplete)`, { cause: err });
  return new AppError('BACKUP_UNREADABLE', `Cannot read ${file}: ${err.message}`, { cause: err });
}

/** The first line alone (the header), read without going through the rest of the file. */
export async function firstLine(file: string): Promise<string | undefined> {
  for await (const line of archiveLines(file)) return line;
  return undefined;
}
