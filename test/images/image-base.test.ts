import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { debianBases } from '../../src/images/image-base';

const REPO_IMAGES = path.join(__dirname, '../../images');

describe('debianBases', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'image-base-'));
    await fs.mkdir(path.join(dir, 'base'));
    await fs.writeFile(path.join(dir, 'base', 'finalize.sh'), 'echo finalize\n');
    await fs.writeFile(path.join(dir, 'base', 'finalize-suite.sh'), 'echo suite\n');
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  test('the bookworm base keeps the tag of its original recipe, so lesson images and the mirror never move with the sandbox', () => {
    const recipe = `debootstrap --variant=minbase bookworm\n${'echo finalize\n'}`;
    const expected = createHash('sha256').update(recipe).digest('hex').slice(0, 12);
    expect(debianBases(dir).bookworm).toMatchObject({ image: `dockhand/base:${expected}`, suite: 'bookworm', hubImage: 'debian:bookworm-slim' });
  });

  test('editing the trixie step retags only the trixie base', async () => {
    const before = debianBases(dir);
    await fs.writeFile(path.join(dir, 'base', 'finalize-suite.sh'), 'echo suite v2\n');
    const after = debianBases(dir);
    expect(after.bookworm.image).toBe(before.bookworm.image);
    expect(after.trixie.image).not.toBe(before.trixie.image);
    expect(after.trixie.image).toMatch(/^dockhand\/base-trixie:[0-9a-f]{12}$/);
  });

  test('trixie runs the shared finalize step, then points apt at trixie', () => {
    const { trixie } = debianBases(dir);
    expect(trixie.finalize).toEqual([[path.join(dir, 'base', 'finalize.sh')], [path.join(dir, 'base', 'finalize-suite.sh'), 'trixie']]);
    expect(trixie.hubImage).toBe('debian:trixie-slim');
  });

  test('the repository bases have distinct names, so their cached tarballs never replace each other', () => {
    const { bookworm, trixie } = debianBases(REPO_IMAGES);
    expect(new Set([bookworm.name, trixie.name]).size).toBe(2);
    expect(bookworm.image).not.toBe(trixie.image);
  });
});
