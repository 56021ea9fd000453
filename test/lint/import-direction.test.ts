import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The layering (slack -> tutor -> {lessons, sandbox -> images, store}) and the front doors are enforced by `npm run lint`; these plant
 * a violating import in a layer and expect the project's own ESLint config to name it. ESLint loads its
 * flat config with a dynamic import that Jest's VM refuses, so one child process lints every case.
 */
const LINT_CASES = `
const { ESLint } = require('eslint');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
// Planted files are not on disk, so the type-aware rules (which need the TS project) are off here.
const eslint = new ESLint({ overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false } },
  rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' } }] });
(async () => {
  const out = [];
  for (const [filePath, code] of cases) {
    const [r] = await eslint.lintText(code + '\\nexport const used = x;\\n', { filePath });
    out.push(r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

const refused: [string, string, RegExp][] = [
  ['src/tutor/planted.ts', "import { x } from '../slack/live-message';", /src\/tutor must not import src\/slack/],
  ['src/tutor/challenges/planted.ts', "import { x } from '../../slack/render-reply';", /src\/tutor must not import src\/slack/],
  ['src/tutor/planted.ts', "import { x } from '@slack/bolt';", /src\/tutor must not import @slack/],
  ['src/sandbox/planted.ts', "import { x } from '../store/types';", /src\/sandbox must not import src\/store/],
  ['src/sandbox/planted.ts', "import { x } from '../tutor/tutor';", /src\/sandbox must not import src\/tutor/],
  ['src/lessons/planted.ts', "import { x } from '../slack/render-reply';", /src\/lessons must not import src\/slack/],
  ['src/store/planted.ts', "import { x } from '../tutor/tutor';", /src\/store must not import src\/tutor/],
  ['src/store/planted.ts', "import { x } from '../slack/render-reply';", /src\/store must not import src\/slack/],
  ['src/tutor/planted.ts', "import { x } from '../start-bot';", /composition root/],
  ['src/lessons/planted.ts', "import { x } from '../assemble';", /composition root/],
  ['src/images/planted.ts', "import { x } from '../sandbox';", /src\/images must not import src\/sandbox/],
  ['src/images/planted.ts', "import { x } from '../lessons/lesson-loader';", /src\/images must not import src\/lessons/],
  ['src/kit/planted.ts', "import { x } from '../tutor/tutor';", /src\/kit must not import src\/tutor/],
  ['src/kit/planted.ts', "import { x } from '../sandbox/types';", /src\/kit must not import src\/sandbox/],
  ['src/kit/planted.ts', "import Docker from 'dockerode';", /src\/kit must not import dockerode/],
];

/** Outside a layer with a front door, only its index.ts may be imported; the message names the front door. */
const deep: [string, string, RegExp][] = [
  ['src/tutor/planted.ts', "import { x } from '../sandbox/lifecycle/sandbox-manager';", /front door \(src\/sandbox\/index\.ts/],
  ['src/tutor/planted.ts', "import { x } from '../sandbox/types';", /front door \(src\/sandbox\/index\.ts/],
  ['src/lessons/planted.ts', "import { x } from '../sandbox/engine/docker-client';", /front door \(src\/sandbox\/index\.ts/],
  ['src/lessons/import/planted.ts', "import { x } from '../../images/images';", /front door \(src\/images\/index\.ts/],
  ['src/start-bot.ts', "import { x } from './sandbox/isolation/docker-disk-policy';", /front door \(src\/sandbox\/index\.ts/],
  ['src/start-bot.ts', "import { x } from './images/image-mirror';", /front door \(src\/images\/index\.ts/],
  ['scripts/planted.ts', "import { x } from '../src/sandbox/engine/docker-client';", /front door \(src\/sandbox\/index\.ts/],
  ['bench/planted.ts', "import { x } from '../src/sandbox/lifecycle/sandbox-manager';", /front door \(src\/sandbox\/index\.ts/],
  ['bench/planted.ts', "import { x } from '../src/images/inspector-image';", /front door \(src\/images\/index\.ts/],
  ['src/sandbox/checks/planted.ts', "import { x } from '../../images/inspector-image';", /front door \(src\/images\/index\.ts/],
  ['src/slack/planted.ts', "import { x } from '../tutor/tutor';", /front door \(src\/tutor\/index\.ts/],
  ['src/slack/listeners/planted.ts', "import { x } from '../../tutor/challenges/challenge-service';", /front door \(src\/tutor\/index\.ts/],
  ['src/tutor/planted.ts', "import { x } from '../lessons/lesson-catalog';", /front door \(src\/lessons\/index\.ts/],
  ['src/tutor/planted.ts', "import { x } from '../store/types';", /front door \(src\/store\/index\.ts/],
  ['src/start-bot.ts', "import { x } from './ops/metrics';", /front door \(src\/ops\/index\.ts/],
  ['src/main.ts', "import { x } from './slack/stand-in/slack-stand-in';", /front door \(src\/slack\/index\.ts/],
  ['src/tutor/planted.ts', "import { x } from '../kit/keyed-lanes';", /front door \(src\/kit\/index\.ts/],
  ['scripts/planted.ts', "import { x } from '../src/store/embedded-postgres';", /front door \(src\/store\/index\.ts/],
];

const allowed: [string, string][] = [
  // Other layers' public parts come through their front doors (deep paths are refused above).
  // The sandbox's public types come through its front door (a deep '../sandbox/types' is refused above).
  ['src/tutor/planted.ts', "import { x } from '../sandbox';"],
  ['src/tutor/planted.ts', "import { x } from '../store';"],
  ['src/slack/planted.ts', "import { x } from '../tutor';"],
  ['src/start-bot.ts', "import { x } from './ops';"],
  ['src/lessons/planted.ts', "import { x } from '../sandbox';"],
  ['src/sandbox/planted.ts', "import { x } from '../config';"],
  ['src/lessons/planted.ts', "import { x } from '../sandbox/index';"],
  ['src/lessons/import/planted.ts', "import { x } from '../../images';"],
  ['src/start-bot.ts', "import { x } from './sandbox';"],
  ['scripts/planted.ts', "import { x } from '../src/sandbox';"],
  ['bench/planted.ts', "import { x } from '../src/images/index';"],
  ['src/sandbox/checks/planted.ts', "import { x } from '../../images';"],
  ['src/sandbox/lifecycle/planted.ts', "import { x } from '../engine/sandbox-runtime';"],
  ['src/images/planted.ts', "import { x } from './image-mirror';"],
  ['test/sandbox/lifecycle/planted.test.ts', "import { x } from '../../../src/sandbox/lifecycle/sandbox-manager';"],
  ['src/tutor/planted.ts', "import { x } from '../kit';"],
  ['src/sandbox/planted.ts', "import { x } from '../kit';"],
  ['src/slack/planted.ts', "import { x } from '../kit';"],
];

let results: string[][];
beforeAll(() => {
  const cases = [...refused.map(([f, c]) => [f, c]), ...deep.map(([f, c]) => [f, c]), ...allowed];
  const out = execFileSync(process.execPath, ['-e', LINT_CASES], { cwd: path.resolve(__dirname, '../..'), input: JSON.stringify(cases), encoding: 'utf8', timeout: 60000 });
  results = JSON.parse(out) as string[][];
});

describe('import direction', () => {
  it.each(refused.map((c, i) => [...c, i] as const))('%s: %s is refused', (_file, _code, message, i) => {
    expect(results[i]).toEqual([expect.stringMatching(message)]);
  });

  it.each(deep.map((c, i) => [...c, refused.length + i] as const))('%s: %s reaches past the front door and is refused', (_file, _code, message, i) => {
    expect(results[i]).toEqual([expect.stringMatching(message)]);
  });

  it.each(allowed.map((c, i) => [...c, refused.length + deep.length + i] as const))('%s: %s follows the direction and is allowed', (_file, _code, i) => {
    expect(results[i]).toEqual([]);
  });
});
