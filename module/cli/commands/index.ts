// Every command of the CLI, in the order `--help` lists them. Commands of module/api are derived
// from their OperationSpec (from-api.ts); transfer, wait, monitor and service compose operations;
// doctor only looks at the machine.
import type { CommandModule } from 'yargs';
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

export const COMMANDS: readonly CommandModule[] = [
  create, addFile, resume, suspend, complete, cancel, list, info, set, explain, doctor,
  transfer, wait, monitor, service, serve,
  setProxy, setNotifyCmdLine, getNotifyCmdLine, getReplyProgress, getReplyData, setReplyFile, getReplyFile,
  setCredentials, removeCredentials, takeOwnership,
];

/** The command names (first word of each command string). */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => String(c.command).split(' ')[0]!);
