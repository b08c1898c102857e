// Emits the manifests: the root Bits.Job2.psd1 (also the packaged one, with its file list) and the
// nested Bits.Job2.Cmdlets.psd1 that gives about_Bits.Job2 its ModuleBase.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOM, HEADER, INNER_MANIFEST, INNER_MODULE_GUID, MODULE_GUID, PS_DIR } from './layout.js';
import { I1, I2, I3, psString } from './ps-text.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
import { psCommands, type PsCommand } from './model.js';

/** The manifest's metadata, shared with the .nupkg's nuspec (scripts/pack-powershell.ts). */
export const MANIFEST_META = {
  author: 'bits-job2 contributors',
  companyName: 'bits-job2',
  copyright: '(c) bits-job2 contributors. MIT License.',
  tags: ['BITS', 'BackgroundTransfer', 'Upload', 'GroupPolicy', 'PSEdition_Desktop', 'PSEdition_Core'],
  licenseUri: 'https://opensource.org/licenses/MIT',
} as const;

/** package.json, the one place of the version (ModuleVersion, the nuspec's version) and the description. */
export function packageJson(): { version: string; description: string } {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; description: string };
}

/** ModuleVersion: package.json's version without a prerelease or build suffix. */
export function moduleVersion(): string {
  return packageJson().version.replace(/[-+].*$/, '');
}

function manifestHead(guid: string, description: string): string[] {
  return [
    `${I1}ModuleVersion = ${psString(moduleVersion())}`,
    `${I1}GUID = '${guid}'`,
    `${I1}Author = ${psString(MANIFEST_META.author)}`,
    `${I1}CompanyName = ${psString(MANIFEST_META.companyName)}`,
    `${I1}Copyright = ${psString(MANIFEST_META.copyright)}`,
    `${I1}Description = ${psString(description)}`,
    `${I1}CompatiblePSEditions = @('Desktop', 'Core')`,
    `${I1}PowerShellVersion = '5.1'`,
  ];
}

function exportLists(commands: PsCommand[]): string[] {
  const names = commands.map((c) => c.name).sort();
  return [
    `${I1}FunctionsToExport = @(`,
    names.map((n) => `${I2}${psString(n)}`).join(',\n'),
    `${I1})`,
    `${I1}CmdletsToExport = @()`,
    `${I1}AliasesToExport = @()`,
    `${I1}VariablesToExport = @()`,
  ];
}

/**
 * The root manifest. The repository's has no FileList (its files are the checkout); the packaged
 * one (scripts/pack-powershell.ts) is this same text with the package's FileList.
 */
export function renderManifest(commands: PsCommand[], fileList?: string[]): string {
  const list = fileList ? [`${I1}FileList = @(`, fileList.map((f) => `${I2}${psString(f)}`).join(',\n'), `${I1})`] : [];
  return [
    BOM + HEADER,
    '# The module Bits.Job2: the cmdlets come from the nested manifest under module/powershell (whose',
    '# folder holds the en-US help), the format view from here.',
    ...(fileList ? ['# FileList: the files of the PowerShell package, added by scripts/pack-powershell.ts.'] : []),
    '@{',
    `${I1}NestedModules = @('${INNER_MANIFEST}')`,
    ...manifestHead(MODULE_GUID, packageJson().description),
    ...exportLists(commands),
    `${I1}FormatsToProcess = @('${PS_DIR}/Bits.Job2.Format.ps1xml')`,
    ...list,
    `${I1}PrivateData = @{`,
    `${I2}PSData = @{`,
    `${I3}Tags = @(${MANIFEST_META.tags.map(psString).join(', ')})`,
    `${I3}LicenseUri = ${psString(MANIFEST_META.licenseUri)}`,
    `${I2}}`,
    `${I1}}`,
    '}',
    '',
  ].join('\n');
}

/** The root manifest of the PowerShell package: the generated one plus FileList (paths with '/'). */
export function renderPackagedManifest(fileList: string[]): string {
  return renderManifest(psCommands(), fileList);
}

export function renderInnerManifest(commands: PsCommand[]): string {
  return [
    BOM + HEADER,
    '# Nested by Bits.Job2.psd1 at the package root (import that one): its ModuleBase is this folder,',
    '# where Get-Help finds en-US/about_Bits.Job2.help.txt.',
    '@{',
    `${I1}RootModule = 'Bits.Job2.psm1'`,
    ...manifestHead(INNER_MODULE_GUID, 'The cmdlets of Bits.Job2 (import Bits.Job2.psd1 at the package root).'),
    ...exportLists(commands),
    '}',
    '',
  ].join('\n');
}
