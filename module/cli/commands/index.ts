// Every command of the CLI, in the order `--help` lists them: one per operation of module/api with a
// `cli` name, in the description's order — its presenter below, or the generic one
// (generic-command.ts) when it has none — then the commands that compose operations (transfer,
// wait, monitor, service) or only look at the machine (doctor).
import type { CommandModule } from 'yargs';
import { OPERATION_TABLE } from '../../api/operations.js';
import { genericCommand } from '../generic-command.js';
import create from './create.js';
import addFile from './add-file.js';
import resume from './resume.js';
import suspend from './suspend.js';
import complete from './complete.js';
import cancel from './cancel.js';
import list from './list.js';
import info from './info.js';
import set from './set.js';
import explain from './explain.js';
import doctor from './doctor.js';
import transfer from './transfer.js';
import wait from './wait.js';
import monitor from './monitor.js';
import service from './service.js';
import serve from './serve.js';
import setProxy from './set-proxy.js';
import setNotifyCmdLine from './set-notify-cmdline.js';
import getNotifyCmdLine from './get-notify-cmdline.js';
import getReplyProgress from './get-reply-progress.js';
import getReplyData from './get-reply-data.js';
import setReplyFile from './set-reply-file.js';
import getReplyFile from './get-reply-file.js';
import setCredentials from './set-credentials.js';
import removeCredentials from './remove-credentials.js';
import takeOwnership from './take-ownership.js';

/** A CLI command of module/api (an operation's `cli`). */
type ApiCommand = Extract<(typeof OPERATION_TABLE)[number], { cli: string }>['cli'];

/** The presenters of module/api's commands, by command; an operation missing here gets the generic one. */
const PRESENTERS: Partial<Record<ApiCommand, CommandModule>> = {
  create, 'add-file': addFile, resume, suspend, complete, cancel, list, info, set, explain, serve,
  'set-proxy': setProxy, 'set-notify-cmdline': setNotifyCmdLine, 'get-notify-cmdline': getNotifyCmdLine,
  'get-reply-progress': getReplyProgress, 'get-reply-data': getReplyData, 'set-reply-file': setReplyFile,
  'get-reply-file': getReplyFile, 'set-credentials': setCredentials, 'remove-credentials': removeCredentials,
  'take-ownership': takeOwnership,
};

/** Commands that compose operations or only look at the machine. */
const COMPOSED: readonly CommandModule[] = [transfer, wait, monitor, service, doctor];

export const COMMANDS: readonly CommandModule[] = [
  ...OPERATION_TABLE.flatMap((op) => ('cli' in op ? [PRESENTERS[op.cli] ?? genericCommand(op)] : [])),
  ...COMPOSED,
];

/** The command names (first word of each command string). */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => String(c.command).split(' ')[0]!);
