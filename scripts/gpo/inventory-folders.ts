// The per-user data folder the inventory examples default to: %LOCALAPPDATA% on Windows (what
// [Environment]::GetFolderPath('LocalApplicationData') gives the PowerShell version), else
// $XDG_DATA_HOME or ~/.local/share.
import os from 'node:os';
import { join } from 'node:path';

export function defaultDataFolder(): string {
  if (process.platform === 'win32' && process.env.LOCALAPPDATA) return process.env.LOCALAPPDATA;
  return process.env.XDG_DATA_HOME || join(os.homedir(), '.local', 'share');
}
