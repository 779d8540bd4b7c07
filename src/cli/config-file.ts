import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Option } from 'commander';
import type { GatehouseOptions } from '../config/options.js';
import { ConfigError } from '../config/resolve.js';
import { loadDemoOptions } from './demo-config.js';
import { DEFAULT_CONFIG } from './init.js';

/**
 * Reads the CLI configuration: JSON, JS/MJS (default export) or TS (on Node versions that strip types,
 * or through the `typescript` package when it is installed). Environment variables override the file:
 * GATEHOUSE_ISSUER, GATEHOUSE_SECRET, GATEHOUSE_DATABASE_URL, GATEHOUSE_METRICS_TOKEN, PORT. Without
 * `--config`, commands read ./gatehouse.json (DESIGN §5); with `--demo`, the demo's configuration and
 * database. A .json file may carry `//` and `/* … *\/` comments (the file `gatehouse init` writes does).
 */

/** Which configuration a command uses: `--config FILE` (default ./gatehouse.json) or `--demo`. */
export interface ConfigChoice {
  config: string;
  demo?: boolean;
}

/** `-c, --config <file>`, on every command that touches data (default ./gatehouse.json, DESIGN §5). */
export function configOption(): Option {
  return new Option('-c, --config <file>', 'configuration file (.json, .js or .ts)').default(DEFAULT_CONFIG);
}

/** `--demo`: the demo's configuration and database (./.gatehouse/, created by `npm start`). */
export function demoOption(): Option {
  return new Option(
    '--demo',
    "use the demo's configuration and database (./.gatehouse/, from npm start)",
  ).conflicts('config');
}

export async function loadConfig(choice: ConfigChoice): Promise<GatehouseOptions> {
  return choice.demo ? loadDemoOptions() : loadConfigFile(choice.config);
}
export async function loadConfigFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<GatehouseOptions> {
  const file = resolve(path);
  let options: GatehouseOptions;
  const extension = extname(file);
  if (extension === '.json') {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && path === DEFAULT_CONFIG)
        throw new Error(
          `no ${DEFAULT_CONFIG} in ${process.cwd()}: run \`gatehouse init\` to create one, pass --config FILE, or --demo for the demo's data`,
        );
      throw new Error(`cannot read the config file ${file}`);
    }
    try {
      options = JSON.parse(stripJsonComments(text)) as GatehouseOptions;
    } catch (error) {
      throw new Error(`the config file ${file} is not valid JSON: ${(error as Error).message}`);
    }
  } else if (extension === '.js' || extension === '.mjs' || extension === '.ts' || extension === '.mts') {
    options = await importModule(file);
  } else {
    throw new Error(`the config file must be .json, .js, .mjs or .ts (got ${file})`);
  }
  return applyEnvironment(options, env);
}

export function applyEnvironment(options: GatehouseOptions, env: NodeJS.ProcessEnv): GatehouseOptions {
  const merged = { ...options };
  if (env.GATEHOUSE_ISSUER) merged.issuer = env.GATEHOUSE_ISSUER;
  if (env.GATEHOUSE_SECRET) merged.secret = env.GATEHOUSE_SECRET;
  if (env.GATEHOUSE_DATABASE_URL) merged.database = env.GATEHOUSE_DATABASE_URL;
  if (env.GATEHOUSE_METRICS_TOKEN) merged.metrics = { ...merged.metrics, token: env.GATEHOUSE_METRICS_TOKEN };
  if (env.PORT) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('PORT must be a port number');
    merged.port = port;
  }
  if (merged.secret === undefined)
    throw new ConfigError(
      'Invalid Gatehouse configuration: secret: is required: set GATEHOUSE_SECRET, or `secret` in the config file, to at least 32 random characters (e.g. the output of `openssl rand -base64 32`; `gatehouse init` writes one). Keep it: the database is sealed with it',
    );
  return merged;
}

/**
 * JSON with comments (JSONC): `//` to the end of the line and `/* … *\/` removed outside strings,
 * replaced by spaces so that JSON.parse's positions still point into the file.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

async function importModule(file: string): Promise<GatehouseOptions> {
  try {
    const module = (await import(pathToFileURL(file).href)) as { default?: GatehouseOptions };
    return module.default ?? (module as GatehouseOptions);
  } catch (error) {
    if (!file.endsWith('ts') || (error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION')
      throw error;
  }
  // Node 20 cannot strip types: transpile with the typescript package if the project has it.
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    throw new Error('a .ts config file needs Node >= 22.18, or the typescript package installed');
  }
  const source = await readFile(file, 'utf8');
  const output = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const url = `data:text/javascript;base64,${Buffer.from(output).toString('base64')}`;
  const module = (await import(url)) as { default?: GatehouseOptions };
  return module.default ?? (module as GatehouseOptions);
}
