import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LESSON_IMAGES } from '../../../src/images/images';
import { mapImages, newImageScan, normalizeImage, scanProse, scanText, SERVED_IMAGES } from '../../../src/lessons/import/image-mapping';
import { importScenario } from '../../../src/lessons/import/import-scenario';

const FIX = path.join(__dirname, '../../fixtures');

describe('images a scenario uses are detected, mapped onto the offline mirror, or reported', () => {
  test('every image of text, scripts and assets is found; well-known tags map with a note; the rest is reported', async () => {
    const l = await importScenario(path.join(FIX, 'killercoda/image-zoo'));
    expect(l.images).toEqual({
      served: ['hello-world:latest'],
      mapped: {
        'alpine:3.19': 'bash:latest',
        'busybox:1.36': 'busybox:latest',
        // an Alpine variant of nginx gets the nginx image that has curl and ping
        'nginx:1.25-alpine': 'nginx:alpine',
        'postgres:16': 'postgres:15',
        // the scenario runs pip install flask: the Python image with pip and Flask preinstalled
        'python:3.12-slim': 'python:3.11-bookworm',
        'redis:7': 'redis:7.0',
        'ubuntu:22.04': 'debian:bookworm-slim',
      },
      // myapp and localhost:5000/myapp are its own
      unservable: [],
    });
    expect(l.manifest.images).toEqual(['bash:latest', 'busybox:latest', 'debian:bookworm-slim', 'hello-world:latest', 'nginx:alpine', 'postgres:15', 'python:3.11-bookworm', 'redis:7.0']);
    const notes = l.notes.filter((n) => n.where === 'images');
    expect(notes.find((n) => n.message.startsWith('alpine:3.19'))).toMatchObject({ severity: 'info', message: expect.stringContaining('bash, ping, wget and nc (no apk') });
    expect(notes.find((n) => n.message.startsWith('python:3.12-slim'))).toMatchObject({ severity: 'info', message: expect.stringContaining('`pip install flask` (and Flask') });
    expect(notes.find((n) => n.message.startsWith('postgres:16'))).toMatchObject({ severity: 'info', message: expect.stringContaining('(asset /root/stack/compose.yaml) is served as postgres:15') });
    expect(notes.find((n) => n.message.startsWith('redis:7'))).toMatchObject({ severity: 'info', message: expect.stringContaining('is served as redis:7.0') });
    // Flask is preinstalled: no TODO about PyPI
    expect(notes.filter((n) => n.message.startsWith('pip installs'))).toEqual([]);
  });

  test('python with pip: packages other than Flask and its dependencies are a TODO (no PyPI offline)', () => {
    const text = 'FROM python:3.10-alpine\nRUN pip3 install -r requirements.txt\nRUN pip install --no-cache-dir requests==2.31 Flask\n';
    const req = "cat > /root/app/requirements.txt <<EOF\nflask>=2\nredis\n# a comment\nEOF\n";
    const scan = newImageScan();
    scanText(scan, text, 'Dockerfile');
    const r = mapImages(scan, text + req);
    expect(r.mapped).toEqual({ 'python:3.10-alpine': 'python:3.11-bookworm' });
    expect(r.todos).toEqual(['pip installs redis, requests: not preinstalled in python:3.11-bookworm, and PyPI is out of reach offline']);
    // without pip install the slim image (no pip) stands in, as before
    const plain = newImageScan();
    scanText(plain, 'FROM python:3.10-alpine\nCMD ["python3", "app.py"]', 'Dockerfile');
    expect(mapImages(plain, 'FROM python:3.10-alpine').mapped).toEqual({ 'python:3.10-alpine': 'python:3.11-slim' });
  });

  test('nginx:alpine is served under its own name; other nginx tags stand in by variant', () => {
    const scan = newImageScan();
    scanText(scan, 'docker run -d nginx:alpine && docker run -d nginx:stable-alpine && docker run -d nginx:1.25', 'step');
    expect(mapImages(scan, '')).toMatchObject({ served: ['nginx:alpine'], mapped: { 'nginx:1.25': 'nginx:latest', 'nginx:stable-alpine': 'nginx:alpine' } });
  });

  test('the first setup pulls each stand-in from the mirror and tags it under the name the scenario uses', async () => {
    const l = await importScenario(path.join(FIX, 'killercoda/image-zoo'));
    const setup = l.files.get('steps/01-pull-and-run-setup.sh')!;
    expect(setup).toContain('timeout 120 docker pull -q nginx:alpine >/dev/null || { echo "could not pull nginx:alpine from the offline mirror"; exit 1; }');
    expect(setup.match(/docker pull -q debian:bookworm-slim/g)).toHaveLength(1);
    expect(setup).toContain(
      [
        'docker tag bash:latest alpine:3.19',
        'docker tag busybox:latest busybox:1.36',
        'docker tag nginx:alpine nginx:1.25-alpine',
        'docker tag postgres:15 postgres:16',
        'docker tag python:3.11-bookworm python:3.12-slim',
        'docker tag redis:7.0 redis:7',
        'docker tag debian:bookworm-slim ubuntu:22.04',
      ].join('\n'),
    );
    // the pulls come before the scenario's own background script, which may use the images
    expect(setup.indexOf('docker tag busybox:latest busybox:1.36')).toBeLessThan(setup.indexOf('background script background.sh'));
  });

  test('alpine (and postgres, python) stay unservable when the scenario installs packages with apk', () => {
    const scan = newImageScan();
    scanText(scan, 'FROM alpine:3.19\nRUN apk add --no-cache curl\nFROM postgres:14-alpine', 'Dockerfile');
    expect(mapImages(scan, 'FROM alpine:3.19\nRUN apk add --no-cache curl')).toMatchObject({ mapped: {}, unservable: ['alpine:3.19', 'postgres:14-alpine'] });
  });

  test('build stages, scratch, tags of local builds and private registries are not images to serve', () => {
    const scan = newImageScan();
    scanText(scan, 'FROM golang:1.22 AS build\nFROM build AS test\nFROM scratch\nCOPY --from=build /app /app', 'Dockerfile');
    scanText(scan, 'docker build -t app . && docker tag app local-registry:5000/app && docker run app && docker pull localhost:5000/app', 'step');
    // nor `scratch` named in prose, nor a placeholder in a tip's compose example
    scanProse(scan, 'Use `scratch` as a base image.', 'step');
    scanText(scan, 'services:\n  web:\n    image: image-name\n', 'tip');
    expect([...scan.uses.keys()].sort()).toEqual(['app:latest', 'golang:1.22']);
    expect(mapImages(scan, '')).toMatchObject({ served: [], unservable: ['golang:1.22'] });
    // an image no rule knows is reported with what to do
    expect(mapImages(scan, '').notes).toEqual([expect.stringContaining('golang:1.22 (Dockerfile) is not served by the offline mirror')]);
  });

  test('names are normalized as Docker Hub does', () => {
    expect(normalizeImage('docker.io/library/nginx')).toBe('nginx:latest');
    expect(normalizeImage('Nginx:Alpine')).toBe('nginx:alpine');
    expect(normalizeImage('<IMAGE>')).toBeUndefined();
    expect(normalizeImage('${IMAGE}')).toBeUndefined();
  });

  test('the served names are exactly what the offline mirror is built with (src/images/image-catalog.ts)', async () => {
    expect([...SERVED_IMAGES].sort()).toEqual(LESSON_IMAGES.flatMap((i) => i.names).sort());
    // and every stand-in the mapping uses is one of them
    const src = await fs.readFile(path.join(__dirname, '../../../src/lessons/import/image-mapping.ts'), 'utf8');
    for (const m of src.matchAll(/to: '([^']+)'/g)) expect(SERVED_IMAGES.has(m[1]!)).toBe(true);
  });
});
