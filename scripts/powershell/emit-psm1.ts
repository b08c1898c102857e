// Emits the loader (module/powershell/Bits.Job2.psm1): dot-sources the private helper and the cmdlets.
import { HEADER, BOM } from './layout.js';
import { I1, psString } from './ps-text.js';
import type { PsCommand } from './model.js';

export function renderLoader(commands: PsCommand[]): string {
  const names = commands.map((c) => c.name);
  return [
    BOM + HEADER,
    '# Loader of the Bits.Job2 module: the private CLI helper, then one file per cmdlet.',
    '',
    '# The package root: <root>/module/powershell/Bits.Job2.psm1 -> <root> (repository checkout or installed package).',
    "$script:BitsJob2PackageRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))",
    '',
    ". ([System.IO.Path]::Combine($PSScriptRoot, 'Private', 'Invoke-BitsJob2Cli.ps1'))",
    ...names.map((n) => `. ([System.IO.Path]::Combine($PSScriptRoot, 'Public', '${n}.ps1'))`),
    '',
    'Export-ModuleMember -Function @(',
    names.map((n) => `${I1}${psString(n)}`).join(',\n'),
    ')',
    '',
  ].join('\n');
}

