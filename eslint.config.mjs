import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layers reached from outside only through their front door (`src/<layer>/index.ts`). */
const FRONT_DOORS = ['sandbox', 'images', 'tutor', 'lessons', 'store', 'ops', 'slack', 'kit', 'config', 'playground'];

/** A deep import into another layer (`../sandbox/lifecycle/sandbox-manager`, `../src/images/images`); `../sandbox` and `../sandbox/index` pass. */
const frontDoorPatterns = (except = []) =>
  FRONT_DOORS.filter((name) => !except.includes(name)).map((name) => ({
    regex: `^(\\.{1,2}/)+(src/)?${name}/(?!index$).+`,
    message: `import src/${name} through its front door (src/${name}/index.ts: '.../${name}'), not a file inside it`,
  }));

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/** One import-direction rule per layer: slack -> tutor -> {lessons, sandbox -> images, store}; main/start-bot wire them. */
const layer = (name, forbidden, why) => ({
  files: [`src/${name}/**/*.ts`],
  rules: restrict([
    ...forbidden.map((dir) => ({ regex: `(^|/)(\\.\\./)*${dir}(/|$)`, message: `src/${name} must not import ${dir.startsWith("@") ? dir : `src/${dir}`}: ${why}` })),
    { regex: '(^|/)(start-bot|main|assemble)$', message: `src/${name} must not import the composition root` },
    // Flat config replaces a rule's options per block, so each layer's block repeats the front-door rule (for the
    // layers it may import at all: a forbidden one gets the one direction message).
    ...frontDoorPatterns([name, ...forbidden]),
  ]),
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/store/generated/', '.data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Type-aware rules: an unhandled promise can crash the process on a database or Slack error.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  // Everywhere outside a layer (tests excepted: unit tests test internals), only its front door.
  { files: ['src/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'], rules: restrict(frontDoorPatterns()) },
  layer('tutor', ['slack', '@slack'], 'the tutor core has no Slack types (slack -> tutor)'),
  layer('sandbox', ['tutor', 'slack', 'store', 'lessons', '@slack', '@prisma'], 'the sandbox reports, the caller persists'),
  layer('images', ['tutor', 'slack', 'store', 'lessons', 'sandbox', '@slack', '@prisma'], 'the sandbox builds on the images, never the other way round'),
  layer('lessons', ['slack', 'tutor', 'store', '@slack'], 'lessons sit below the tutor'),
  layer('store', ['slack', 'tutor', 'sandbox', '@slack'], 'the store knows no Slack types or sandboxes'),
  layer('playground', ['slack', 'tutor', 'store', 'lessons', 'sandbox', 'images', '@slack', '@prisma'], 'the playground is handed its terminals and lesson side by the composition root'),
  {
    // The kit sits under every layer (each may import it), so it imports none of them and wraps no outside system.
    files: ['src/kit/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...['slack', 'tutor', 'lessons', 'sandbox', 'store', 'ops', 'images', 'config', 'logger', 'start-bot', 'main'].map((dir) => ({ regex: `(^|/)(\\.\\./)+${dir}(/|$)`, message: `src/kit must not import src/${dir}: every layer imports the kit, never the reverse` })),
            ...['@slack', '@prisma', '@xterm', 'dockerode', 'node-pty', 'pg', 'pino', 'prom-client', 'ws'].map((sdk) => ({ regex: `^${sdk}(/|$)`, message: `src/kit must not import ${sdk}: the kit wraps no outside system` })),
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly', global: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
