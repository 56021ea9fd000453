import { StreamLanguage } from '@codemirror/language';
import { dockerFile } from '@codemirror/legacy-modes/mode/dockerfile';
import { go } from '@codemirror/legacy-modes/mode/go';
import { javascript, json, typescript } from '@codemirror/legacy-modes/mode/javascript';
import { nginx } from '@codemirror/legacy-modes/mode/nginx';
import { properties } from '@codemirror/legacy-modes/mode/properties';
import { python } from '@codemirror/legacy-modes/mode/python';
import { shell } from '@codemirror/legacy-modes/mode/shell';
import { toml } from '@codemirror/legacy-modes/mode/toml';
import { html, xml } from '@codemirror/legacy-modes/mode/xml';
import { yaml } from '@codemirror/legacy-modes/mode/yaml';
import type { Extension } from '@codemirror/state';

/** The files a Docker course meets, by extension; small stream modes keep the bundle light. */
const BY_EXTENSION: Record<string, unknown> = {
  py: python,
  sh: shell,
  bash: shell,
  yml: yaml,
  yaml,
  js: javascript,
  mjs: javascript,
  cjs: javascript,
  ts: typescript,
  json,
  toml,
  go,
  html,
  htm: html,
  xml,
  conf: nginx,
  env: properties,
  ini: properties,
  cfg: properties,
  properties,
  dockerfile: dockerFile,
};

// legacy-modes declares its parsers against @codemirror/streamparser's types, @codemirror/language against its own copy
const define = (mode: unknown): Extension => StreamLanguage.define(mode as Parameters<typeof StreamLanguage.define>[0]);

/** The highlighting for a file name: Dockerfiles and Containerfiles by name, the rest by extension; none when unknown. */
export function languageFor(path: string): Extension {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  if (/^(docker|container)file([.-].*)?$/.test(name)) return define(dockerFile);
  if (/^\.?(bashrc|profile|bash_profile)$/.test(name)) return define(shell);
  if (name === '.env' || name.startsWith('.env.')) return define(properties);
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '';
  const mode = BY_EXTENSION[ext];
  return mode ? define(mode) : [];
}
