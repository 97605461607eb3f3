/**
 * The README's settings table, rendered from src/settings.ts. `npm run docs:settings` writes it between the markers;
 * test/unit/settings.test.ts fails while README and table disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SETTING_LIST } from '../src/settings.ts';

export const BEGIN = '<!-- settings table: generated from src/settings.ts by npm run docs:settings -->';
export const END = '<!-- end of settings table -->';

const code = (v: string): string => `\`${v}\``;

function defaultCell(value: unknown): string {
  if (value === undefined) return 'unset';
  return code(typeof value === 'string' ? value : JSON.stringify(value));
}

export function renderSettingsTable(): string {
  const rows = SETTING_LIST.map((s) => {
    const env = s.env ? [code(s.env), s.envDoc].filter(Boolean).join(' ') : '—';
    const flag = s.flag ? [code(`--${s.flag}${s.list ? ` ${s.arg}` : ''}`), s.flagDoc].filter(Boolean).join(' ') : '— (config file only)';
    const meaning = s.doc ?? s.help[0]!.toUpperCase() + s.help.slice(1);
    return `| ${code(s.path.join('.'))} | ${env} | ${flag} | ${s.defaultDoc ?? defaultCell(s.default)} | ${meaning} |`;
  });
  return ['| Config key | Env var | Flag | Default | Meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** README with its table replaced by the rendered one. */
export function withSettingsTable(readme: string): string {
  const from = readme.indexOf(BEGIN);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no settings table markers (${BEGIN} … ${END})`);
  return `${readme.slice(0, from + BEGIN.length)}\n${renderSettingsTable()}\n${readme.slice(to)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = new URL('../README.md', import.meta.url);
  writeFileSync(path, withSettingsTable(readFileSync(path, 'utf8')));
}
