import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LESSON_IMAGES } from '../../../src/sandbox/images';
import { mapImages, newImageScan, normalizeImage, scanText, SERVED_IMAGES } from '../../../src/lessons/import/image-mapping';
import { importScenario } from '../../../src/lessons/import/import-scenario';

const FIX = path.join(__dirname, '../../fixtures');

describe('images a scenario uses are detected, mapped onto the offline mirror, or reported', () => {
  test('every image of text, scripts and assets is found; well-known tags map with a note; the rest is reported', async () => {
    const l = await importScenario(path.join(FIX, 'killercoda/image-zoo'));
    expect(l.images).toEqual({
      served: ['hello-world:latest'],
      mapped: { 'alpine:3.19': 'debian:bookworm-slim', 'busybox:1.36': 'busybox:latest', 'nginx:1.25-alpine': 'nginx:latest', 'ubuntu:22.04': 'debian:bookworm-slim' },
      // python:3.12-slim cannot stand in: the scenario runs pip install (no PyPI offline); myapp and localhost:5000/myapp are its own
      unservable: ['postgres:16', 'python:3.12-slim', 'redis:7'],
    });
    expect(l.manifest.images).toEqual(['busybox:latest', 'debian:bookworm-slim', 'hello-world:latest', 'nginx:latest']);
    const notes = l.notes.filter((n) => n.where === 'images');
    expect(notes.find((n) => n.message.startsWith('alpine:3.19'))).toMatchObject({ severity: 'info', message: expect.stringContaining('Debian bookworm-slim (no apk') });
    expect(notes.find((n) => n.message.startsWith('python:3.12-slim'))).toMatchObject({ severity: 'todo', message: expect.stringContaining('the scenario uses pip install') });
    expect(notes.find((n) => n.message.startsWith('postgres:16'))).toMatchObject({ severity: 'todo', message: expect.stringContaining('(asset /root/stack/compose.yaml)') });
  });

  test('the first setup pulls each stand-in from the mirror and tags it under the name the scenario uses', async () => {
    const l = await importScenario(path.join(FIX, 'killercoda/image-zoo'));
    const setup = l.files.get('steps/01-pull-and-run-setup.sh')!;
    expect(setup).toContain('timeout 120 docker pull -q nginx:latest >/dev/null || { echo "could not pull nginx:latest from the offline mirror"; exit 1; }');
    // one pull per served image, even when it stands in for two names
    expect(setup.match(/docker pull -q debian:bookworm-slim/g)).toHaveLength(1);
    expect(setup).toContain('docker tag debian:bookworm-slim alpine:3.19\ndocker tag busybox:latest busybox:1.36\ndocker tag nginx:latest nginx:1.25-alpine\ndocker tag debian:bookworm-slim ubuntu:22.04');
    // the pulls come before the scenario's own background script, which may use the images
    expect(setup.indexOf('docker tag busybox:latest busybox:1.36')).toBeLessThan(setup.indexOf('background script background.sh'));
  });

  test('alpine stays unservable when the scenario installs packages with apk', () => {
    const scan = newImageScan();
    scanText(scan, 'FROM alpine:3.19\nRUN apk add --no-cache curl', 'Dockerfile');
    expect(mapImages(scan, 'FROM alpine:3.19\nRUN apk add --no-cache curl')).toMatchObject({ mapped: {}, unservable: ['alpine:3.19'] });
  });

  test('build stages, scratch, tags of local builds and private registries are not images to serve', () => {
    const scan = newImageScan();
    scanText(scan, 'FROM golang:1.22 AS build\nFROM build AS test\nFROM scratch\nCOPY --from=build /app /app', 'Dockerfile');
    scanText(scan, 'docker build -t app . && docker tag app local-registry:5000/app && docker run app && docker pull localhost:5000/app', 'step');
    expect([...scan.uses.keys()].sort()).toEqual(['app:latest', 'golang:1.22']);
    expect(mapImages(scan, '')).toMatchObject({ served: [], unservable: ['golang:1.22'] });
  });

  test('names are normalized as Docker Hub does', () => {
    expect(normalizeImage('docker.io/library/nginx')).toBe('nginx:latest');
    expect(normalizeImage('Nginx:Alpine')).toBe('nginx:alpine');
    expect(normalizeImage('<IMAGE>')).toBeUndefined();
    expect(normalizeImage('${IMAGE}')).toBeUndefined();
  });

  test('the served names are exactly what the offline mirror is built with (src/sandbox/images.ts)', async () => {
    expect([...SERVED_IMAGES].sort()).toEqual(LESSON_IMAGES.flatMap((i) => i.names).sort());
    // and every stand-in the mapping uses is one of them
    const src = await fs.readFile(path.join(__dirname, '../../../src/lessons/import/image-mapping.ts'), 'utf8');
    for (const m of src.matchAll(/to: '([^']+)'/g)) expect(SERVED_IMAGES.has(m[1]!)).toBe(true);
  });
});
