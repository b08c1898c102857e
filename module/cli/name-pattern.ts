// Display-name patterns as PowerShell's -like and Get-BitsTransfer -Name take them: * any run of
// characters, ? one character, everything else literal, case-insensitive, the whole name.
export function namePattern(pattern: string): (name: string) => boolean {
  const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  const re = new RegExp(`^${source}$`, 'is');
  return (name) => re.test(name);
}
