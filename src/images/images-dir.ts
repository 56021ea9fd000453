import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { AppError } from '../errors';

function findImagesRoot(): string {
  // found by walking up, so it works from src/ (tsx, jest) and from dist/src/ (compiled) alike
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'images', 'sandbox', 'packages.txt'))) return path.join(dir, 'images');
    if (path.dirname(dir) === dir) throw new AppError('IMAGES_DIR_MISSING', `no images/ folder above ${__dirname}`);
  }
}

/** The repository's images/ folder (build contexts of the sandbox, lesson and inspector images). */
export const IMAGES_DIR = findImagesRoot();
