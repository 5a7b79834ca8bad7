/**
 * The Node.js versions the project says it runs on, against what its dependencies declare: every
 * installed package that declares Node.js 22 or later (npm's EBADENGINE warning on Node.js 20) is
 * named in the README's line saying why that warning is harmless, and the tools switch off the AWS
 * SDK's Node.js 20 notice.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: { node?: string }; dev?: boolean }> };
const readme = read('README.md');

/** Whether an `engines.node` range leaves Node.js 20 out: its lowest major is 21 or more. */
function excludesNode20(range: string): boolean {
  return range.split('||').every((part) => {
    const major = /(\d+)/.exec(part.replace(/^[\s>=^~v]+/, ''))?.[1];
    return /^\s*(>=?|\^|~)?\s*v?\d/.test(part) && major !== undefined && Number(major) >= 21;
  });
}

describe('Node.js versions', () => {
  it('names in the README every installed package that declares Node.js 22 or later', () => {
    const declared = Object.entries(lock.packages)
      .filter(([path, entry]) => path.startsWith('node_modules/') && entry.engines?.node !== undefined && excludesNode20(entry.engines.node))
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(declared.length).toBeGreaterThan(0);
    const line = readme.split('\n\n').find((paragraph) => paragraph.includes('EBADENGINE')) ?? '';
    expect([...new Set(declared)].filter((name) => !line.includes(name))).toEqual([]);
    expect(read('package.json')).toContain('"node": ">=20.19"');
  });

  it('switches the AWS SDK notice off in every tool that starts the local stack', () => {
    for (const tool of ['infra/local/cli.ts', 'infra/chaos/chaos.ts', 'infra/bench/bench.ts', 'infra/audit/cli.ts', 'infra/fuzz/fuzz.ts', 'infra/console/screenshots.ts']) {
      expect(read(tool), tool).toContain("process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'");
    }
  });
});
