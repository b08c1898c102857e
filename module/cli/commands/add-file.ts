// `add-file <job> <remote> <local> [<remote> <local>...] [--list FILE|-]`: every file in one AddFileSet
// call (all or none are added). Relative local names are taken from the working directory (BITS gets
// the absolute path it needs).
import { isAbsolute, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { operation } from '../../api/operations.js';
import type { NewFile } from '../../api/types.js';
import { opCommand, readParams, stringsFlag, usageOf, type Args, type ParamValues } from '../from-api.js';
import type { OperationOf } from '../../api/operations.js';
import { printOutput, println, run } from '../context.js';
import { UsageError, withHint } from '../errors.js';
import { BitsError } from '../../api/bits-error.js';
import { HR } from '../../api/hresult.js';

/**
 * A local name as a shell user means it: relative to the working directory, as cp would take it.
 * BITS itself takes absolute paths only (E_INVALIDARG otherwise), so the CLI hands it the absolute one.
 */
export function localPath(local: string): string {
  return isAbsolute(local) ? local : resolve(local);
}

export function remoteHint(remote: string): string | undefined {
  if (/^https?:\/\//i.test(remote)) return undefined;
  return `the remote name must be an http:// or https:// URL, e.g. https://example.com/${remote.replace(/^.*[\\/]/, '') || 'file'}`;
}

/** `<remote> <local>` per line (the local path is the rest of the line, so it may hold spaces); # comments. */
export function parseFileList(text: string, source: string): NewFile[] {
  const files: NewFile[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(\S+)\s+(.+)$/.exec(line);
    if (!m) throw new UsageError(`${source} line ${i + 1}: expected '<remote> <local>', got '${line}'`);
    files.push({ remoteName: m[1]!, localName: localPath(m[2]!) });
  });
  return files;
}

function filesOf(a: ParamValues<OperationOf<'addFiles'>>, argv: Args): NewFile[] {
  const files: NewFile[] = [];
  // yargs gives optional positionals that were left out as undefined or ''.
  const given = (v: unknown) => v !== undefined && v !== '';
  if (given(a.remoteName)) {
    if (!given(a.localName)) throw new UsageError(`'${String(a.remoteName)}' has no local name: give <remote> <local>`);
    files.push({ remoteName: a.remoteName, localName: localPath(a.localName) });
  }
  const more = stringsFlag(argv, 'more');
  if (more.length % 2 !== 0) throw new UsageError(`remote and local names come in pairs; '${more[more.length - 1]}' has no local name`);
  for (let i = 0; i < more.length; i += 2) files.push({ remoteName: more[i]!, localName: localPath(more[i + 1]!) });
  if (typeof argv.list === 'string' && given(argv.list)) {
    const source = argv.list === '-' ? 'stdin' : argv.list;
    files.push(...parseFileList(readFileSync(argv.list === '-' ? 0 : argv.list, 'utf8'), source));
  }
  if (files.length === 0) throw new UsageError('give <remote> <local>, more pairs, or --list FILE');
  return files;
}

const command = opCommand('addFiles', {
  extraPositionals: '[more..]',
  usage: usageOf(operation('addFiles'), '[more..] [--list FILE|-]').replace('<remote> <local>', '[remote] [local]'),
  builder: (y) =>
    y
      .positional('more', { type: 'string', array: true, describe: 'More <remote> <local> pairs: all are added in one AddFileSet call.' })
      .option('list', { type: 'string', requiresArg: true, describe: "A file (or - for stdin) with one '<remote> <local>' per line, added with the others in one call." })
      .example('bits-job2 add-file $id https://example.com/a.iso /data/a.iso https://example.com/b.iso /data/b.iso', 'Two files in one AddFileSet call.')
      .example('find-urls | bits-job2 add-file $id --list -', 'Many files from a list on stdin.'),
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv);
      const files = filesOf(a, argv);
      const id = await ctx.resolveJob(a.jobId);
      try {
        await (await ctx.manager()).job(id).addFiles(files);
      } catch (e) {
        const invalidArg = e instanceof BitsError && e.hresult === HR.E_INVALIDARG;
        throw withHint(e, invalidArg ? files.map((f) => remoteHint(f.remoteName)).find(Boolean) : undefined);
      }
      if (ctx.json) printOutput('add-file', files.length === 1 ? { jobId: id, ...files[0] } : { jobId: id, files });
      else for (const f of files) println(`added ${f.remoteName} -> ${f.localName} to ${id}`);
    }),
});
// The first pair is optional here: --list may bring every file.
export default { ...command, command: String(command.command).replace('<remote> <local>', '[remote] [local]') };
